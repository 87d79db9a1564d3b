package org.roifeatures.ops;

import java.util.Arrays;

/**
 * One image's feature map at one pyramid level: {@code channels × height × width} float32 values in a
 * flat array, in either channels-first ({@link Layout#CHW}) or channels-last ({@link Layout#HWC}) order.
 *
 * <p>Kernels address elements only through {@link #channelBase(int)} and {@link #pixelStride()}, so a
 * new layout changes this class, not its callers. A channels-last map may have a pixel stride larger
 * than its channel count (padding after each pixel's channels, see {@link #toHwc(int)}), and may be
 * split into channel blocks (see {@link #toChannelBlocks(int)}). The array is not
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
  /** HWC only: distance between two pixels; ≥ channels (≥ the channel block when blocked). */
  private final int hwcPixelStride;
  /** HWC only: channels per block, {@code channels} when the map is one block (not blocked). */
  private final int channelBlock;

  private FeatureMap(float[] data, int offset, int channels, int height, int width, Layout layout,
      boolean exactLength) {
    this(data, offset, channels, height, width, layout, exactLength, channels);
  }

  private FeatureMap(float[] data, int offset, int channels, int height, int width, Layout layout,
      boolean exactLength, int hwcPixelStride) {
    this(data, offset, channels, height, width, layout, exactLength, hwcPixelStride, channels);
  }

  private FeatureMap(float[] data, int offset, int channels, int height, int width, Layout layout,
      boolean exactLength, int hwcPixelStride, int channelBlock) {
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
    if (channelBlock < 1 || channelBlock > channels) {
      throw new IllegalArgumentException("channel block must be in [1, " + channels + "], got "
          + channelBlock);
    }
    checkPixelStride(hwcPixelStride, channelBlock);
    if (channelBlock < channels) {
      long blocked = (long) blocks(channels, channelBlock) * height * width * channelBlock;
      if (blocked > Integer.MAX_VALUE || offset + blocked > data.length) {
        throw new IllegalArgumentException("feature map data length " + data.length + " is too "
            + "short for C=" + channels + " H=" + height + " W=" + width + " in blocks of "
            + channelBlock + " channels from offset " + offset + " (needs " + (offset + blocked)
            + ")");
      }
    }
    // The last pixel needs only its channels, not its padding.
    long span = (long) (height * width - 1) * hwcPixelStride + channels;
    if (channelBlock == channels && hwcPixelStride > channels && offset + span > data.length) {
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
    this.channelBlock = channelBlock;
  }

  private static int blocks(int channels, int channelBlock) {
    return (channels + channelBlock - 1) / channelBlock;
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

  /**
   * A channels-last map in blocks of {@code channelBlock} channels: block {@code k} holds channels
   * {@code [k·B, min(C, (k+1)·B))} as its own channels-last map of pixel stride {@code B}, and the
   * blocks follow each other ({@code H·W·B} floats apart; the last block is as long as the others,
   * its unused channels padding). Channel {@code c} of pixel {@code (y, x)} is at {@code offset +
   * (c / B)·H·W·B + (y·W + x)·B + c % B}. {@code channelBlock == channels} is a plain HWC map.
   */
  public static FeatureMap hwcBlocked(float[] data, int offset, int channels, int height, int width,
      int channelBlock) {
    return new FeatureMap(data, offset, channels, height, width, Layout.HWC, false,
        Math.min(channelBlock, channels), Math.min(channelBlock, channels));
  }

  /** The same values in {@code target} order: this map itself if already so, else a new copy. */
  public FeatureMap toLayout(Layout target) {
    if (target == layout && (target == Layout.CHW || channelBlock == channels)) {
      return this;
    }
    if (target == Layout.HWC) {
      return toHwc(channels);
    }
    float[] copy = new float[channels * height * width];
    int plane = height * width;
    for (int c = 0; c < channels; c++) {
      for (int p = 0, src = channelBase(c); p < plane; p++, src += hwcPixelStride) {
        copy[c * plane + p] = data[src];
      }
    }
    return chw(copy, channels, height, width);
  }

  /**
   * The same values channels-last in blocks of {@code channelBlock} channels (see {@link
   * #hwcBlocked}): this map itself if it is so already, else a new copy. Kernels that pool a block of
   * channels per pass read each pixel's block as one contiguous run, and one pass's whole map is
   * {@code H·W·B} contiguous floats instead of a few lines in every pixel's page.
   */
  public FeatureMap toChannelBlocks(int channelBlock) {
    return toChannelBlocks(channelBlock, null);
  }

  /** As {@link #toChannelBlocks(int)}, written into {@code reuse} when long enough (see {@link #toHwc(int, float[])}). */
  public FeatureMap toChannelBlocks(int channelBlock, float[] reuse) {
    if (channelBlock < 1) {
      throw new IllegalArgumentException("channel block must be >= 1, got " + channelBlock);
    }
    int block = Math.min(channelBlock, channels);
    if (block == channels) {
      return toHwc(channels, reuse);
    }
    if (layout == Layout.HWC && this.channelBlock == block && hwcPixelStride == block) {
      return this;
    }
    int need = Math.multiplyExact(blocks(channels, block), Math.multiplyExact(height * width, block));
    boolean recycled = reuse != null && reuse.length >= need && reuse != data;
    float[] copy = recycled ? reuse : new float[need];
    int tail = channels % block;
    if (recycled && tail != 0) {
      int last = (channels / block) * height * width * block;
      for (int p = 0, plane = height * width; p < plane; p++) {
        Arrays.fill(copy, last + p * block + tail, last + (p + 1) * block, 0f);
      }
    }
    copyChannelsLast(copy, block, block);
    return hwcBlocked(copy, 0, channels, height, width, block);
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
    if (layout == Layout.HWC && hwcPixelStride == pixelStride && channelBlock == channels) {
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
    copyChannelsLast(copy, pixelStride, channels);
    return pixelStride == channels && !recycled ? hwc(copy, channels, height, width)
        : hwc(copy, 0, channels, height, width, pixelStride);
  }

  /**
   * Writes the values channels-last into {@code dst} from index 0 in blocks of {@code block} channels
   * (all channels when {@code block == channels}): channel c of pixel p at {@code (c / block)·H·W·
   * pixelStride + p·pixelStride + c % block} (padding floats are left as they are). Also the vector
   * kernels' per-call copy.
   */
  void copyChannelsLast(float[] dst, int pixelStride, int block) {
    final int plane = height * width;
    final int blockStride = plane * pixelStride;
    if (layout == Layout.HWC) {
      // Runs of channels contiguous in both maps: within one source block and one target block.
      for (int c0 = 0; c0 < channels; ) {
        int c1 = Math.min(Math.min(channels, (c0 / block + 1) * block),
            (c0 / channelBlock + 1) * channelBlock);
        int from = channelBase(c0);
        int to = (c0 / block) * blockStride + c0 % block;
        for (int p = 0; p < plane; p++, from += hwcPixelStride, to += pixelStride) {
          System.arraycopy(data, from, dst, to, c1 - c0);
        }
        c0 = c1;
      }
      return;
    }
    // Groups of channels so the reads stay in a few streams and the writes fill cache lines.
    for (int c0 = 0; c0 < channels; ) {
      int c1 = Math.min(Math.min(channels, c0 + CHANNEL_BLOCK), (c0 / block + 1) * block);
      int first = (c0 / block) * blockStride + c0 % block;
      for (int p = 0; p < plane; p++) {
        int to = first + p * pixelStride;
        for (int c = c0, from = offset + c0 * plane + p; c < c1; c++, from += plane) {
          dst[to++] = data[from];
        }
      }
      c0 = c1;
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
    return data[channelBase(c) + (y * width + x) * pixelStride()];
  }

  /**
   * Index in {@link #data()} of channel {@code c} at pixel (0, 0); pixel (y, x) of that channel is
   * {@code (y·W + x)·}{@link #pixelStride()} further on.
   */
  public int channelBase(int c) {
    if (layout == Layout.CHW) {
      return offset + c * height * width;
    }
    return channelBlock == channels ? offset + c
        : offset + (c / channelBlock) * height * width * hwcPixelStride + c % channelBlock;
  }

  /** Channels per block of a channels-last map ({@link #channels()} when not blocked); 1 for CHW. */
  public int channelBlock() {
    return layout == Layout.CHW ? 1 : channelBlock;
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

  /**
   * Distance in the array between the same pixel of two adjacent channels of one channel block (see
   * {@link #channelBase(int)} for any two channels).
   */
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
        + (layout == Layout.HWC && channelBlock != channels ? " channelBlock=" + channelBlock
            : layout == Layout.HWC && hwcPixelStride != channels ? " pixelStride=" + hwcPixelStride
            : "")
        + "]";
  }
}
