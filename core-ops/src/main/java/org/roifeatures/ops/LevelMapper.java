package org.roifeatures.ops;

/**
 * Assigns each box to an FPN level from its size, as the detection frameworks do before multi-scale
 * RoI Align. All arithmetic is float32, like the frameworks' tensor code.
 *
 * <ul>
 *   <li>{@link Formula#TORCHVISION}: {@code floor(k0 + log2(sqrt(area) / s0) + eps)}, eps = 1e-6
 *       ({@code torchvision.ops.poolers.LevelMapper}).</li>
 *   <li>{@link Formula#DETECTRON2}: {@code floor(k0 + log2(sqrt(area) / s0 + eps))}, eps = 1e-8 inside
 *       the log ({@code detectron2.modeling.poolers.assign_boxes_to_levels}; later revisions use
 *       {@code sys.float_info.epsilon}, which in float32 gives the same level whenever
 *       √area ≥ s0/4, see {@link Semantics#DETECTRON2}).</li>
 *   <li>{@link Formula#MMDET}: {@code floor(log2(sqrt(area) / finest + eps))}, eps = 1e-6, levels
 *       counted from the finest ({@code SingleRoIExtractor.map_roi_levels}, finest_scale 56). Area is
 *       {@code (x2 − x1)·(y2 − y1)} as in mmdetection ≥ 2.0; mmdetection 1.x added 1 to width and
 *       height (the old "+1" pixel convention), which this does not.</li>
 * </ul>
 * In all three, area is the product {@code (x2 − x1)·(y2 − y1)} in float32 and the level is computed in
 * float32 (the frameworks' tensor dtype), then floored and clamped; the floor of a non-finite value
 * follows the frameworks: +∞ (huge boxes, area overflow) clamps to the coarsest level, −∞ (zero area
 * in torchvision's formula) to the finest.
 * The result is clamped to [kMin, kMax] and returned as an index from 0 (the finest level given).
 * A box whose area is negative (inverted) has no defined level: {@link #level} returns -1 and the
 * frameworks leave its output row zero, as does {@link MultiScaleRoiAlign}.
 */
public final class LevelMapper {

  /** Which framework's level formula to use. */
  public enum Formula { TORCHVISION, DETECTRON2, MMDET }

  private static final double LN2 = Math.log(2.0);

  private final Formula formula;
  private final int kMin;
  private final int kMax;
  private final float canonicalScale;
  private final float canonicalLevel;
  private final float eps;

  /**
   * @param formula        level formula
   * @param kMin           pyramid level of the first (finest) map, e.g. 2 for P2 (stride 4)
   * @param kMax           pyramid level of the last (coarsest) map, ≥ kMin
   * @param canonicalScale s0 (224 for torchvision/detectron2) or finest_scale (56 for mmdet)
   * @param canonicalLevel k0 (4 for torchvision/detectron2; unused by mmdet)
   * @param eps            the formula's epsilon
   */
  public LevelMapper(Formula formula, int kMin, int kMax, double canonicalScale, int canonicalLevel,
      double eps) {
    Checks.notNull(formula, "level formula");
    if (kMax < kMin) {
      throw new IllegalArgumentException("kMax (" + kMax + ") must be >= kMin (" + kMin + ")");
    }
    if (!(canonicalScale > 0) || Double.isInfinite(canonicalScale)) {
      throw new IllegalArgumentException("canonical scale must be finite and > 0, got "
          + canonicalScale);
    }
    if (!(eps >= 0) || Double.isInfinite(eps)) {
      throw new IllegalArgumentException("eps must be finite and >= 0, got " + eps);
    }
    this.formula = formula;
    this.kMin = kMin;
    this.kMax = kMax;
    this.canonicalScale = (float) canonicalScale;
    this.canonicalLevel = canonicalLevel;
    this.eps = (float) eps;
  }

  /** torchvision's mapper (224, 4, 1e-6) for levels kMin..kMax. */
  public static LevelMapper torchvision(int kMin, int kMax) {
    return new LevelMapper(Formula.TORCHVISION, kMin, kMax, 224, 4, 1e-6);
  }

  /** detectron2's mapper (224, 4, 1e-8 inside the log) for levels kMin..kMax. */
  public static LevelMapper detectron2(int kMin, int kMax) {
    return new LevelMapper(Formula.DETECTRON2, kMin, kMax, 224, 4, 1e-8);
  }

  /** mmdetection's mapper (finest_scale 56, 1e-6) for {@code numLevels} levels. */
  public static LevelMapper mmdet(int numLevels) {
    return new LevelMapper(Formula.MMDET, 0, numLevels - 1, 56, 0, 1e-6);
  }

  /**
   * Pyramid level k of a map with this spatial scale: −log2(scale), e.g. 2 for 1/4. Follows
   * torchvision: exact for powers of two, truncated otherwise.
   */
  public static int levelOfScale(double spatialScale) {
    Checks.spatialScale(spatialScale);
    double k = -Math.log(spatialScale) / LN2;
    double nearest = Math.rint(k);
    return Math.abs(k - nearest) < 1e-9 ? (int) nearest : (int) k;
  }

  /** Number of levels this mapper assigns to. */
  public int levels() {
    return kMax - kMin + 1;
  }

  public Formula formula() {
    return formula;
  }

  /** Level index in [0, levels()) of box (x1, y1, x2, y2), or -1 when its area is negative/NaN. */
  public int level(float x1, float y1, float x2, float y2) {
    float area = (x2 - x1) * (y2 - y1);
    float size = (float) Math.sqrt(area);
    float k;
    switch (formula) {
      case TORCHVISION -> k = (float) Math.floor((canonicalLevel + log2(size / canonicalScale)) + eps);
      case DETECTRON2 -> k = (float) Math.floor(canonicalLevel + log2(size / canonicalScale + eps));
      case MMDET -> k = (float) Math.floor(log2(size / canonicalScale + eps));
      default -> throw new AssertionError(formula);
    }
    if (Float.isNaN(k)) {
      return -1;
    }
    k = Math.max(kMin, Math.min(kMax, k));
    return (int) k - kMin;
  }

  /** float32 log2: the double result rounded once to float. */
  private static float log2(float x) {
    return (float) (Math.log(x) / LN2);
  }

  @Override
  public String toString() {
    return "LevelMapper[" + formula + " k=" + kMin + ".." + kMax + " s0=" + canonicalScale + " k0="
        + canonicalLevel + " eps=" + eps + "]";
  }
}
