package org.roifeatures.ops;

/**
 * RoI Pooling (Fast R-CNN): each box is rounded to the map grid, split into PH×PW bins with floor/ceil
 * edges, and max-pooled; empty bins give 0. Semantics of {@code torchvision.ops.roi_pool}.
 *
 * <p>Static, thread-safe; invalid arguments raise {@link IllegalArgumentException} naming the value.
 */
public final class RoiPool {

  private static final RoiKernels KERNELS = RoiKernelsProvider.get();

  private RoiPool() {}

  /** Floats written per box: C·PH·PW. */
  public static int rowLength(FeatureMap map, RoiPoolParams params) {
    return (int) Checks.rowLength(map.channels(), params.pooledHeight(), params.pooledWidth());
  }

  /**
   * Pools {@code numBoxes} boxes from {@code boxes[boxOffset..]} into {@code out[outOffset..]}, one
   * row of C·PH·PW floats in (C, PH, PW) order per box. Only {@code out} is modified.
   */
  public static void forward(FeatureMap map, float[] boxes, int boxOffset, int numBoxes,
      RoiPoolParams params, float[] out, int outOffset) {
    Checks.notNull(map, "feature map");
    Checks.notNull(params, "params");
    Checks.boxes(boxes, boxOffset, numBoxes);
    Checks.output(out, outOffset, numBoxes, rowLength(map, params));
    KERNELS.roiPool(map, boxes, boxOffset, numBoxes, params, out, outOffset);
  }

  /** Pools every box of {@code boxes} (length a multiple of 4) into a new array. */
  public static float[] forward(FeatureMap map, float[] boxes, RoiPoolParams params) {
    return NewOutput.pool(map, boxes, params, 4, () -> rowLength(map, params),
        (n, out) -> forward(map, boxes, 0, n, params, out, 0));
  }
}
