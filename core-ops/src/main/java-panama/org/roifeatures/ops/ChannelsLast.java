package org.roifeatures.ops;

/**
 * The maps the vector kernels read: channels-last in blocks of {@link PanamaTuning#MAP_CHANNEL_BLOCK}
 * channels (see {@link FeatureMap#toChannelBlocks}). A pass of the kernels pools one block's worth of
 * channels over every bin of a RoI; with the channels of a pixel in one run (plain HWC) each pass
 * reads a few cache lines from every pixel, one 4 KiB page apart at 1024 channels, which the
 * hardware prefetchers do not follow; in blocks, the pass reads whole runs of neighbouring pixels from
 * one compact block (C4 head, 1024 channels: pooling 142 → 117 µs per RoI, the whole kernel 7–10%
 * faster on JDK 17 and 25; FPN heads, 256 channels: 1–5%).
 */
final class ChannelsLast {

  private ChannelsLast() {}

  /**
   * The map the kernels should read for a call on {@code map}: {@code map} itself when they can read
   * it in place (channels-last whose blocks hold whole passes; a plain channels-last map too unless a
   * copy into blocks pays), a copy in per-thread scratch (valid until the thread's next call) when
   * {@code copyPays}, else null (the scalar kernels should run). {@code copyPays} says whether the
   * call does enough work to repay one pass over the map.
   */
  static FeatureMap of(FeatureMap map, PanamaScratch scratch, boolean copyPays) {
    final int block = PanamaTuning.MAP_CHANNEL_BLOCK;
    final int channels = map.channels();
    if (map.layout() == FeatureMap.Layout.HWC) {
      boolean plain = map.channelBlock() == channels;
      if (plain ? channels <= block || !copyPays : map.channelBlock() % block == 0) {
        return map;
      }
    }
    if (!copyPays) {
      return null;
    }
    final int b = Math.min(block, channels);
    final int plane = map.height() * map.width();
    final float[] dst = scratch.hwc((channels + b - 1) / b * plane * b);
    // The last block's unused channels keep stale floats: no pass reads past the channel count.
    map.copyChannelsLast(dst, b, b);
    return FeatureMap.hwcBlocked(dst, 0, channels, map.height(), map.width(), b);
  }
}
