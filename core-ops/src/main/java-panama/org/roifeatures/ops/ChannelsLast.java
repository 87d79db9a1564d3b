package org.roifeatures.ops;

/** Channels-last views of feature maps for the vector kernels, copied into per-thread scratch. */
final class ChannelsLast {

  /** Channels copied together per pass: 16 read streams, one 64-byte write per pixel. */
  private static final int CHANNEL_BLOCK = 16;

  private ChannelsLast() {}

  /**
   * {@code map} itself if it is HWC, else its values copied into the thread's scratch in HWC order.
   * The copy is only valid until the thread's next call.
   */
  static FeatureMap of(FeatureMap map, PanamaScratch scratch) {
    if (map.layout() == FeatureMap.Layout.HWC) {
      return map;
    }
    final int channels = map.channels();
    final int plane = map.height() * map.width();
    final float[] src = map.data();
    final float[] dst = scratch.hwc(channels * plane);
    // Blocked so that the reads stay in a few streams and each write fills whole cache lines.
    for (int c0 = 0; c0 < channels; c0 += CHANNEL_BLOCK) {
      int c1 = Math.min(channels, c0 + CHANNEL_BLOCK);
      for (int p = 0; p < plane; p++) {
        int from = map.offset() + c0 * plane + p;
        int to = p * channels;
        for (int c = c0; c < c1; c++, from += plane) {
          dst[to + c] = src[from];
        }
      }
    }
    return FeatureMap.hwc(dst, 0, channels, map.height(), map.width());
  }
}
