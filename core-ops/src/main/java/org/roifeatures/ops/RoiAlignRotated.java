package org.roifeatures.ops;

/**
 * Rotated RoI Align, with the semantics of detectron2's {@code ROIAlignRotated} (CPU): each box is
 * {@code (cx, cy, w, h, angle)} in image pixels and degrees. The box centre is scaled by the spatial
 * scale and shifted by −0.5 cell (detectron2's rotated op is always "aligned"), width and height are
 * scaled and never clamped, and a PH×PW grid of bins over the box is sampled in the box's own frame and
 * rotated by the angle about the centre: a RoI-frame point (yy, xx) lands at
 * {@code y = yy·cos θ − xx·sin θ + cy}, {@code x = yy·sin θ + xx·cos θ + cx}, so a positive angle turns
 * the box counter-clockwise as seen on an image whose y axis points down (its local x axis turns towards
 * −y). Samples use the axis-aligned op's bilinear border rule (outside [-1, extent] → 0, else clamp),
 * {@code sampling_ratio ≤ 0} means {@code ceil(roiSize / pooledSize)} per axis, and each bin is the
 * mean over {@code max(gridH·gridW, 1)} samples.
 *
 * <p>With angle 0 the sample points are those of {@link RoiAlign} with {@code aligned=true} on the box
 * {@code (cx − w/2, cy − h/2, cx + w/2, cy + h/2)}; the float operations are associated differently
 * (the centre is added last, and each bin sums per sample where {@link RoiAlign} sums per distinct
 * cell), so results agree to rounding.
 *
 * <p>Static, thread-safe. Invalid arguments raise {@link IllegalArgumentException} naming the value; a
 * box is invalid when {@link RotatedBoxCheck#problem} says so.
 */
public final class RoiAlignRotated {

  private RoiAlignRotated() {}

  /**
   * Parameters for this op: average mode, aligned (the only combination detectron2 defines).
   *
   * @param samplingRatio samples per bin and axis; ≤ 0 adaptive (detectron2's default config uses 0)
   */
  public static RoiAlignParams params(int pooledHeight, int pooledWidth, double spatialScale,
      int samplingRatio) {
    return RoiAlignParams.of(pooledHeight, pooledWidth, spatialScale, samplingRatio, true);
  }

  /** Floats written per box: C·PH·PW. */
  public static int rowLength(FeatureMap map, RoiAlignParams params) {
    return RoiAlign.rowLength(map, params);
  }

  /**
   * Pools {@code numBoxes} rotated boxes.
   *
   * @param map    feature map, C×H×W (not modified)
   * @param boxes  {@code [cx, cy, w, h, angleDegrees]} per box in image coordinates, starting at
   *               {@code boxOffset} (not modified); finite, with w, h ≥ 0
   * @param params pooled size, spatial scale and sampling ratio; must be aligned and {@code AVG}
   * @param out    receives {@code numBoxes} rows of C·PH·PW floats in (C, PH, PW) order, starting at
   *               {@code outOffset} (modified)
   */
  public static void forward(FeatureMap map, float[] boxes, int boxOffset, int numBoxes,
      RoiAlignParams params, float[] out, int outOffset) {
    Checks.notNull(map, "feature map");
    checkParams(params);
    checkBoxes(boxes, boxOffset, numBoxes);
    Checks.output(out, outOffset, numBoxes, rowLength(map, params));
    RoiKernelsProvider.get().roiAlignRotated(map, boxes, boxOffset, numBoxes, params, out,
        outOffset);
  }

  /** Pools every box of {@code boxes} (length a multiple of 5) into a new array. */
  public static float[] forward(FeatureMap map, float[] boxes, RoiAlignParams params) {
    return NewOutput.pool(map, boxes, params, 5, () -> rowLength(map, params),
        (n, out) -> forward(map, boxes, 0, n, params, out, 0));
  }

  private static void checkParams(RoiAlignParams params) {
    Checks.notNull(params, "params");
    if (!params.aligned()) {
      throw new IllegalArgumentException("rotated RoI Align is always aligned (detectron2 "
          + "ROIAlignRotated), got aligned=false");
    }
    if (params.mode() != PoolingMode.AVG) {
      throw new IllegalArgumentException("rotated RoI Align averages samples, got mode="
          + params.mode());
    }
  }

  private static void checkBoxes(float[] boxes, int boxOffset, int numBoxes) {
    Checks.notNull(boxes, "boxes");
    if (numBoxes < 0) {
      throw new IllegalArgumentException("numBoxes must be >= 0, got " + numBoxes);
    }
    if (boxOffset < 0 || boxOffset + (long) RotatedBoxCheck.FIELDS * numBoxes > boxes.length) {
      throw new IllegalArgumentException("boxes array of length " + boxes.length + " cannot hold "
          + numBoxes + " rotated boxes (5 floats each) from offset " + boxOffset);
    }
    for (int b = 0; b < numBoxes; b++) {
      String problem = RotatedBoxCheck.problem(boxes, boxOffset + RotatedBoxCheck.FIELDS * b);
      if (problem != null) {
        throw new IllegalArgumentException("box " + b + " " + problem);
      }
    }
  }
}
