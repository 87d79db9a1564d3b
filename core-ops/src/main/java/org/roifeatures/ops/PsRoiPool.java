package org.roifeatures.ops;

/**
 * Position-sensitive RoI Pooling (R-FCN), {@code torchvision.ops.ps_roi_pool}: quantised bins like
 * {@link RoiPool} but averaged, and bin (ph, pw) of output channel c reads input channel
 * (c·PH + ph)·PW + pw. Reproduces torchvision's own edge rules (exclusive RoI end, bin edges clamped
 * to size−1).
 */
public final class PsRoiPool {

  private static final RoiKernels KERNELS = RoiKernelsProvider.get();

  private PsRoiPool() {}

  /** Output channels C / (PH·PW); throws if C is not a multiple of PH·PW. */
  public static int outputChannels(FeatureMap map, int pooledHeight, int pooledWidth) {
    return outputChannels(map, pooledHeight, pooledWidth, "ps_roi_pool");
  }

  static int outputChannels(FeatureMap map, int pooledHeight, int pooledWidth, String op) {
    Checks.notNull(map, "feature map");
    long bins = (long) pooledHeight * pooledWidth;
    if (map.channels() % bins != 0) {
      throw new IllegalArgumentException(op + ": channels (" + map.channels()
          + ") must be divisible by pooledHeight*pooledWidth (" + pooledHeight + "*" + pooledWidth
          + "=" + bins + ")");
    }
    return (int) (map.channels() / bins);
  }

  /** Floats written per box: C_out·PH·PW = C. */
  public static int rowLength(FeatureMap map, RoiPoolParams params) {
    return outputChannels(map, params.pooledHeight(), params.pooledWidth()) * params.pooledHeight()
        * params.pooledWidth();
  }

  /** Pools {@code numBoxes} boxes into rows of C_out·PH·PW floats at {@code out[outOffset..]}. */
  public static void forward(FeatureMap map, float[] boxes, int boxOffset, int numBoxes,
      RoiPoolParams params, float[] out, int outOffset) {
    Checks.notNull(map, "feature map");
    Checks.notNull(params, "params");
    Checks.boxes(boxes, boxOffset, numBoxes);
    Checks.output(out, outOffset, numBoxes, rowLength(map, params));
    KERNELS.psRoiPool(map, boxes, boxOffset, numBoxes, params, out, outOffset);
  }

  /** Pools every box of {@code boxes} into a new array. */
  public static float[] forward(FeatureMap map, float[] boxes, RoiPoolParams params) {
    return NewOutput.pool(map, boxes, params, 4, () -> rowLength(map, params),
        (n, out) -> forward(map, boxes, 0, n, params, out, 0));
  }
}
