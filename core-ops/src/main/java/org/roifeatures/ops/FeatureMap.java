package org.roifeatures.ops;

/**
 * One image's feature map at one pyramid level: {@code channels × height × width} float32 values in a
 * flat array, in either channels-first ({@link Layout#CHW}) or channels-last ({@link Layout#HWC}) order.
 *
 * <p>Kernels address elements only through {@link #channelStride()} and {@link #pixelStride()}, so a new
 * layout changes this class, not its callers. The array is not copied: the caller must not change it
 * while an operator reads it. Instances are immutable and safe to share between threads.
 */
public final class FeatureMap {

  /** Memory order of the three axes. */
  public enum Layout {
    /** Channels first, then rows, then columns (PyTorch's NCHW without the batch axis). */
    CHW,
    /** Rows, then columns, then channels (channels-last, NHWC without the batch axis). */
    HWC
  }

  private final float[] data;
  private final int offset;
  private final int channels;
  private final int height;
  private final int width;
  private final Layout layout;

  private FeatureMap(float[] data, int offset, int channels, int height, int width, Layout layout,
      boolean exactLength) {
    if (data == null) {
      throw new IllegalArgumentException("feature map data is null");
    }
    if (layout == null) {
      throw new IllegalArgumentException("feature map layout is null");
    }
    if (channels <= 0 || height <= 0 || width <= 0) {
      throw new IllegalArgumentException("feature map dimensions must be > 0, got C=" + channels
          + " H=" + height + " W=" + width);
    }
    long size = (long) channels * height * width;
    if (size > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("feature map C*H*W=" + size + " exceeds a Java array ("
          + "C=" + channels + " H=" + height + " W=" + width + ")");
    }
    if (offset < 0) {
      throw new IllegalArgumentException("feature map offset must be >= 0, got " + offset);
    }
    if (exactLength ? data.length != size : offset + size > data.length) {
      throw new IllegalArgumentException("feature map data length " + data.length
          + (offset > 0 ? " (from offset " + offset + ")" : "")
          + " does not match C*H*W=" + channels + "*" + height + "*" + width + "=" + size);
    }
    this.data = data;
    this.offset = offset;
    this.channels = channels;
    this.height = height;
    this.width = width;
    this.layout = layout;
  }

  /** A channels-first map over the whole array; {@code data.length} must equal C·H·W. */
  public static FeatureMap chw(float[] data, int channels, int height, int width) {
    return new FeatureMap(data, 0, channels, height, width, Layout.CHW, true);
  }

  /** A channels-first map over {@code data[offset .. offset + C·H·W)}. */
  public static FeatureMap chw(float[] data, int offset, int channels, int height, int width) {
    return new FeatureMap(data, offset, channels, height, width, Layout.CHW, false);
  }

  /** A channels-last map over the whole array; {@code data.length} must equal C·H·W. */
  public static FeatureMap hwc(float[] data, int channels, int height, int width) {
    return new FeatureMap(data, 0, channels, height, width, Layout.HWC, true);
  }

  /** A channels-last map over {@code data[offset .. offset + C·H·W)}. */
  public static FeatureMap hwc(float[] data, int offset, int channels, int height, int width) {
    return new FeatureMap(data, offset, channels, height, width, Layout.HWC, false);
  }

  /** The same values in {@code target} order: this map itself if already so, else a new copy. */
  public FeatureMap toLayout(Layout target) {
    if (target == layout) {
      return this;
    }
    float[] copy = new float[channels * height * width];
    int plane = height * width;
    if (target == Layout.HWC) {
      for (int c = 0; c < channels; c++) {
        int src = offset + c * plane;
        for (int p = 0; p < plane; p++) {
          copy[p * channels + c] = data[src + p];
        }
      }
      return hwc(copy, channels, height, width);
    }
    for (int p = 0; p < plane; p++) {
      int src = offset + p * channels;
      for (int c = 0; c < channels; c++) {
        copy[c * plane + p] = data[src + c];
      }
    }
    return chw(copy, channels, height, width);
  }

  /** Value at channel {@code c}, row {@code y}, column {@code x}; for tests and tools, not hot loops. */
  public float get(int c, int y, int x) {
    return data[offset + c * channelStride() + (y * width + x) * pixelStride()];
  }

  /** The backing array (not a copy). */
  public float[] data() {
    return data;
  }

  /** Index in {@link #data()} of the first value. */
  public int offset() {
    return offset;
  }

  public int channels() {
    return channels;
  }

  public int height() {
    return height;
  }

  public int width() {
    return width;
  }

  public Layout layout() {
    return layout;
  }

  /** Distance in the array between the same pixel of two adjacent channels. */
  public int channelStride() {
    return layout == Layout.CHW ? height * width : 1;
  }

  /** Distance in the array between two horizontally adjacent pixels of one channel. */
  public int pixelStride() {
    return layout == Layout.CHW ? 1 : channels;
  }

  @Override
  public String toString() {
    return "FeatureMap[" + layout + " C=" + channels + " H=" + height + " W=" + width + "]";
  }
}
