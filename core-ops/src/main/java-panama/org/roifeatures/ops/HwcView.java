package org.roifeatures.ops;

/**
 * A channels-last map as the vector kernels read it: channel {@code c} of pixel {@code (y, x)} is at
 * {@code data[offset + (y·width + x)·pixelStride + c]}. The pixel stride may exceed the channel count
 * when the map was copied with padding (see {@link ChannelsLast}).
 *
 * @param map the same map as a {@link FeatureMap} when it is one (no padding), for the scalar
 *            channel tail; null when padded, which {@link ChannelsLast} only does when the channel
 *            count is a multiple of every vector length, so there is no tail
 */
record HwcView(float[] data, int offset, int channels, int height, int width, int pixelStride,
    FeatureMap map) {

  static HwcView of(FeatureMap hwc) {
    return new HwcView(hwc.data(), hwc.offset(), hwc.channels(), hwc.height(), hwc.width(),
        hwc.pixelStride(), hwc);
  }
}
