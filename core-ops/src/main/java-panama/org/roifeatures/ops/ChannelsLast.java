package org.roifeatures.ops;

/**
 * Channels-last views of feature maps for the vector kernels. A CHW map is copied into per-thread
 * scratch; an HWC map is used in place unless its pixel stride is a multiple of
 * {@link PanamaTuning#PAD_CHANNEL_MULTIPLE}. Such strides (256, 512, 1024 channels: 1 to 4 KiB) put
 * the same channel of neighbouring pixels into the same few cache sets, so the corner loads of one RoI
 * evict each other; a copy with {@link PanamaTuning#PIXEL_PAD} extra floats per pixel spreads them
 * (measured about 25% faster at 256 channels and 15% at 1024, copy included).
 */
final class ChannelsLast {

  private ChannelsLast() {}

  /**
   * A channels-last view of {@code map}. {@code copyPays} says whether the call does enough work to
   * repay copying an HWC map for padding (a CHW map is always copied). A copy is only valid until
   * the thread's next call.
   */
  static HwcView of(FeatureMap map, PanamaScratch scratch, boolean copyPays) {
    final int channels = map.channels();
    // An HWC map is judged by its pixel stride: one already padded (RoiAlign.prepare) is read in place.
    final int readStride = map.layout() == FeatureMap.Layout.HWC ? map.pixelStride() : channels;
    final boolean pad = copyPays && readStride % PanamaTuning.PAD_CHANNEL_MULTIPLE == 0;
    if (map.layout() == FeatureMap.Layout.HWC && !pad) {
      return HwcView.of(map);
    }
    final int stride = pad ? channels + PanamaTuning.PIXEL_PAD : channels;
    final int plane = map.height() * map.width();
    final float[] dst = scratch.hwc(stride * plane);
    map.copyChannelsLast(dst, stride);
    FeatureMap asMap = pad ? null : FeatureMap.hwc(dst, 0, channels, map.height(), map.width());
    return new HwcView(dst, 0, channels, map.height(), map.width(), stride, asMap);
  }
}
