package org.roifeatures.ops;

import java.util.Arrays;

/**
 * One image's feature map at one pyramid level: {@code channels × height × width} float32 values in a
 * flat array, in either channels-first ({@link Layout#CHW}) or channels-last ({@link Layout#HWC}) order.
 *
 * <p>Kernels address elements only through {@link #channelStride()} and {@link #pixelStride()}, so a new
 * layout changes this class, not its callers. A channels-last map may have a pixel stride larger than
 * its channel count (padding after each pixel's channels, see {@link #toHwc(int)}). The array is not
 * copied: the caller must not change it while an operator reads it. Instances are immutable and safe to share between threads.
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
  /** HWC only: distance between two pixels; ≥ channels. */
  private final int hwcPixelStride;

  private FeatureMap(float[] data, int offset, int channels, int height, int width, Layout layout,
      boolean exactLength) {
    this(data, offset, channels, height, width, layout, exactLength, channels);
  }

  private FeatureMap(float[] data, int offset, int channels, int height, int width, Layout layout,
      boolean exactLength, int hwcPixelStride) {
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
    checkPixelStride(hwcPixelStride, channels);
    // The last pixel needs only its channels, not its padding.
    long span = (long) (height * width - 1) * hwcPixelStride + channels;
    if (hwcPixelStride > channels && offset + span > data.length) {
      throw new IllegalArgumentException("feature map data length " + data.length + " is too short "
          + "for C=" + channels + " H=" + height + " W=" + width + " with pixel stride "
          + hwcPixelStride + " from offset " + offset + " (needs " + (offset + span) + ")");
    }
    if (hwcPixelStride == channels
        && (exactLength ? data.length != size : offset + size > data.length)) {
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
    this.hwcPixelStride = hwcPixelStride;
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

  /**
   * A channels-last map over {@code data} whose pixels are {@code pixelStride ≥ channels} floats apart:
   * channel {@code c} of pixel {@code (y, x)} is at {@code offset + (y·W + x)·pixelStride + c}.
   */
  public static FeatureMap hwc(float[] data, int offset, int channels, int height, int width,
      int pixelStride) {
    return new FeatureMap(data, offset, channels, height, width, Layout.HWC, false, pixelStride);
  }

  /** The same values in {@code target} order: this map itself if already so, else a new copy. */
  public FeatureMap toLayout(Layout target) {
    if (target == layout) {
      return this;
    }
    if (target == Layout.HWC) {
      return toHwc(channels);
    }
    float[] copy = new float[channels * height * width];
    int plane = height * width;
    for (int p = 0; p < plane; p++) {
      int src = offset + p * hwcPixelStride;
      for (int c = 0; c < channels; c++) {
        copy[c * plane + p] = data[src + c];
      }
    }
    return chw(copy, channels, height, width);
  }

  /**
   * The same values channels-last with {@code pixelStride ≥ channels} floats per pixel (the padding
   * is zeros): this map itself if it is so already, else a new copy.
   */
  public FeatureMap toHwc(int pixelStride) {
    return toHwc(pixelStride, null);
  }

  /**
   * As {@link #toHwc(int)}, written into {@code reuse} when that is long enough (its contents are
   * overwritten, padding included; a caller that prepares one map per image recycles the previous
   * image's array instead of allocating and zeroing a new one), else into a new array.
   */
  public FeatureMap toHwc(int pixelStride, float[] reuse) {
    checkPixelStride(pixelStride, channels);
    if (layout == Layout.HWC && hwcPixelStride == pixelStride) {
      return this;
    }
    int need = Math.multiplyExact(height * width, pixelStride);
    boolean recycled = reuse != null && reuse.length >= need && reuse != data;
    float[] copy = recycled ? reuse : new float[need];
    if (recycled && pixelStride > channels) {
      for (int p = 0, plane = height * width; p < plane; p++) {
        Arrays.fill(copy, p * pixelStride + channels, (p + 1) * pixelStride, 0f);
      }
    }
    copyChannelsLast(copy, pixelStride);
    return pixelStride == channels && !recycled ? hwc(copy, channels, height, width)
        : hwc(copy, 0, channels, height, width, pixelStride);
  }

  /**
   * Writes the values channels-last into {@code dst} from index 0, pixel p's channels at {@code
   * p·pixelStride} (padding floats are left as they are). Also the vector kernels' per-call copy.
   */
  void copyChannelsLast(float[] dst, int pixelStride) {
    int plane = height * width;
    if (layout == Layout.HWC) {
      for (int p = 0; p < plane; p++) {
        System.arraycopy(data, offset + p * hwcPixelStride, dst, p * pixelStride, channels);
      }
      return;
    }
    // Blocked over channels so the reads stay in a few streams and the writes fill cache lines.
    for (int c0 = 0; c0 < channels; c0 += CHANNEL_BLOCK) {
      int c1 = Math.min(channels, c0 + CHANNEL_BLOCK);
      for (int p = 0; p < plane; p++) {
        int to = p * pixelStride;
        for (int c = c0, from = offset + c0 * plane + p; c < c1; c++, from += plane) {
          dst[to + c] = data[from];
        }
      }
    }
  }

  /** Channels copied together per pass of a CHW → HWC copy: 16 read streams, one 64-byte write. */
  private static final int CHANNEL_BLOCK = 16;

  private static void checkPixelStride(int pixelStride, int channels) {
    if (pixelStride < channels) {
      throw new IllegalArgumentException("pixel stride " + pixelStride + " is smaller than the "
          + "channel count " + channels);
    }
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
    return layout == Layout.CHW ? 1 : hwcPixelStride;
  }

  @Override
  public String toString() {
    return "FeatureMap[" + layout + " C=" + channels + " H=" + height + " W=" + width
        + (layout == Layout.HWC && hwcPixelStride != channels ? " pixelStride=" + hwcPixelStride : "")
        + "]";
  }
}
