package org.roifeatures.ops;

/**
 * RoI Align (Mask R-CNN): bilinear sampling of each RoI on a regular grid per output bin, no
 * quantisation. Semantics of {@code torchvision.ops.roi_align} in {@link PoolingMode#AVG}; two max
 * definitions are also offered (see {@link PoolingMode}).
 *
 * <p>All methods are static, thread-safe, and validate their arguments, throwing
 * {@link IllegalArgumentException} that names the value that does not fit.
 */
public final class RoiAlign {

  private static final RoiKernels KERNELS = RoiKernelsProvider.get();

  private RoiAlign() {}

  /** Floats written per box: C·PH·PW. */
  public static int rowLength(FeatureMap map, RoiAlignParams params) {
    return (int) Checks.rowLength(map.channels(), params.pooledHeight(), params.pooledWidth());
  }

  /**
   * Pools {@code numBoxes} boxes.
   *
   * @param map       feature map, C×H×W (not modified)
   * @param boxes     {@code [x1, y1, x2, y2]} per box in image coordinates, starting at
   *                  {@code boxOffset} (not modified); coordinates must be finite
   * @param params    operator parameters
   * @param out       receives {@code numBoxes} rows of C·PH·PW floats in (C, PH, PW) order, starting at
   *                  {@code outOffset} (modified)
   */
  public static void forward(FeatureMap map, float[] boxes, int boxOffset, int numBoxes,
      RoiAlignParams params, float[] out, int outOffset) {
    Checks.notNull(map, "feature map");
    Checks.notNull(params, "params");
    Checks.boxes(boxes, boxOffset, numBoxes);
    Checks.output(out, outOffset, numBoxes, rowLength(map, params));
    KERNELS.roiAlign(map, boxes, boxOffset, numBoxes, params, out, outOffset);
  }

  /** Pools every box of {@code boxes} (length a multiple of 4) into a new array. */
  public static float[] forward(FeatureMap map, float[] boxes, RoiAlignParams params) {
    return NewOutput.pool(map, boxes, params, 4, () -> rowLength(map, params),
        (n, out) -> forward(map, boxes, 0, n, params, out, 0));
  }

  /** Name of the kernel implementation in use ("scalar" or a Panama variant). */
  public static String kernelName() {
    return KERNELS.name();
  }

  /**
   * The map layout the kernels in use run fastest on, for every operator of this package: HWC for the
   * vector kernels, CHW for the scalar ones. A caller that pools many boxes from one map converts it
   * once with {@link FeatureMap#toLayout}; results do not depend on the layout.
   */
  public static FeatureMap.Layout preferredLayout() {
    return RoiKernelsProvider.preferredLayout(KERNELS);
  }

  /**
   * {@code map} as the kernels in use read it fastest, for a caller that pools many boxes from it:
   * {@link #preferredLayout()}, and for the vector kernels channels-last in blocks of as many channels
   * as one pass of the kernels pools (128 with AVX-512, 64 with AVX2; see {@link
   * FeatureMap#toChannelBlocks}), so that each pass reads the pixels of a RoI as runs of whole cache
   * lines from one compact block instead of a few lines from every pixel's own page (the kernels would
   * otherwise copy the map into blocks on every large call). A new copy, or {@code map} itself when it
   * is arranged so already. Results never depend on it.
   */
  public static FeatureMap prepare(FeatureMap map) {
    return RoiKernelsProvider.prepare(KERNELS, map, null);
  }

  /**
   * As {@link #prepare(FeatureMap)}, writing a copy into {@code reuse} when that array is long
   * enough (its contents are overwritten): a caller that prepares one map per image passes the
   * previous image's prepared array, which it no longer reads, and saves allocating and zeroing
   * megabytes per map. The returned map's {@link FeatureMap#data()} is the array to pass next time.
   */
  public static FeatureMap prepare(FeatureMap map, float[] reuse) {
    return RoiKernelsProvider.prepare(KERNELS, map, reuse);
  }
}
