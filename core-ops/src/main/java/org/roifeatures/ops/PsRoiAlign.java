package org.roifeatures.ops;

/**
 * Position-sensitive RoI Align (R-FCN with RoI Align sampling), {@code torchvision.ops.ps_roi_align}:
 * the input has C = C_out·PH·PW channels, and bin (ph, pw) of output channel c reads input channel
 * (c·PH + ph)·PW + pw. Always half-pixel aligned, averaged. The {@code aligned} and {@code mode} fields
 * of the params are ignored (torchvision has neither). Where torchvision divides 0 by 0 (a sample grid
 * of zero points, e.g. an inverted box) this returns 0.
 */
public final class PsRoiAlign {

  private static final RoiKernels KERNELS = RoiKernelsProvider.get();

  private PsRoiAlign() {}

  /** Output channels C / (PH·PW); throws if C is not a multiple of PH·PW. */
  public static int outputChannels(FeatureMap map, int pooledHeight, int pooledWidth) {
    return PsRoiPool.outputChannels(map, pooledHeight, pooledWidth, "ps_roi_align");
  }

  /** Floats written per box: C_out·PH·PW = C. */
  public static int rowLength(FeatureMap map, RoiAlignParams params) {
    return outputChannels(map, params.pooledHeight(), params.pooledWidth()) * params.pooledHeight()
        * params.pooledWidth();
  }

  /** Pools {@code numBoxes} boxes into rows of C_out·PH·PW floats at {@code out[outOffset..]}. */
  public static void forward(FeatureMap map, float[] boxes, int boxOffset, int numBoxes,
      RoiAlignParams params, float[] out, int outOffset) {
    Checks.notNull(map, "feature map");
    Checks.notNull(params, "params");
    Checks.boxes(boxes, boxOffset, numBoxes);
    Checks.output(out, outOffset, numBoxes, rowLength(map, params));
    KERNELS.psRoiAlign(map, boxes, boxOffset, numBoxes, params, out, outOffset);
  }

  /** Pools every box of {@code boxes} into a new array. */
  public static float[] forward(FeatureMap map, float[] boxes, RoiAlignParams params) {
    return NewOutput.pool(map, boxes, params, 4, () -> rowLength(map, params),
        (n, out) -> forward(map, boxes, 0, n, params, out, 0));
  }
}
