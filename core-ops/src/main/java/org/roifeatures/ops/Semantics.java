package org.roifeatures.ops;

import java.util.Locale;
import java.util.Objects;

/**
 * A named bundle of the knobs in which detection frameworks' RoI Align conventions differ, so a caller
 * picks "what torchvision / detectron2 / mmdetection / ONNX does" by name and can still override any
 * single knob ({@code with…} methods return modified copies). Immutable and thread-safe.
 *
 * <table>
 *   <caption>Presets</caption>
 *   <tr><th>knob</th><th>{@link #TORCHVISION}</th><th>{@link #DETECTRON2}</th><th>{@link #MMDET}</th>
 *       <th>{@link #ONNX}</th></tr>
 *   <tr><td>half-pixel offset −0.5 ({@link #aligned})</td><td>no ({@code roi_align} default
 *       {@code aligned=False})</td><td>yes ({@code ROIAlignV2}, the default pooler type)</td>
 *       <td>yes (mmcv {@code RoIAlign} default {@code aligned=True})</td><td>yes
 *       ({@code half_pixel}, the opset-16 default)</td></tr>
 *   <tr><td>RoI size clamped to ≥ 1 cell ({@link #clampsRoiSize})</td><td>yes</td><td>no</td>
 *       <td>no</td><td>no</td></tr>
 *   <tr><td>sampling ratio default</td><td>−1 (adaptive; torchvision's detection heads pass 2)</td>
 *       <td>0 (adaptive)</td><td>0 (adaptive)</td><td>0 (adaptive)</td></tr>
 *   <tr><td>"max" pooling ({@link #maxMode})</td><td>{@link PoolingMode#MAX} (torchvision has none)</td>
 *       <td>{@link PoolingMode#MAX} (detectron2 has none)</td><td>{@link PoolingMode#MAX} (mmcv
 *       {@code pool_mode='max'})</td><td>{@link PoolingMode#ONNX_MAX}</td></tr>
 *   <tr><td>level mapper</td><td>{@code floor(4 + log2(√area/224) + 1e-6)}</td>
 *       <td>{@code floor(4 + log2(√area/224 + 1e-8))}</td><td>{@code floor(log2(√area/56 + 1e-6))},
 *       levels from 0</td><td>torchvision's (ONNX has no multi-scale op; exported torchvision models
 *       compute levels with torchvision's formula in the graph)</td></tr>
 * </table>
 *
 * <p>The half-pixel offset and the ≥ 1 size clamp are one knob: every framework here (and ONNX's
 * {@code coordinate_transformation_mode}) switches both together, and the kernels implement exactly those
 * two combinations. {@link #halfPixelOffset()} and {@link #clampsRoiSize()} report them separately.
 */
public final class Semantics {

  /** {@code torchvision.ops.roi_align} / {@code MultiScaleRoIAlign} defaults. */
  public static final Semantics TORCHVISION = new Semantics("torchvision", false, -1,
      PoolingMode.MAX, LevelMapper.Formula.TORCHVISION, 224, 4, 1e-6);

  /**
   * detectron2's {@code ROIPooler} with {@code ROIAlignV2} and its default config
   * ({@code POOLER_SAMPLING_RATIO = 0}). Some detectron2 revisions use {@code sys.float_info.epsilon}
   * instead of 1e-8 in the level formula; in float32 both give the same level for every box whose
   * level is ≥ k0 − 2 (√area ≥ 56), so they agree on any pyramid starting at P2 or above.
   */
  public static final Semantics DETECTRON2 = new Semantics("detectron2", true, 0, PoolingMode.MAX,
      LevelMapper.Formula.DETECTRON2, 224, 4, 1e-8);

  /**
   * mmdetection ≥ 2.0 {@code SingleRoIExtractor} (finest_scale 56) with mmcv {@code RoIAlign}
   * ({@code aligned=True}, {@code sampling_ratio=0}). Box width and height are {@code x2 − x1} and
   * {@code y2 − y1} without the "+1" of mmdetection 1.x.
   *
   * <p>Where mmcv's CPU {@code roi_align} differs and this library does not follow it: with
   * {@code aligned=True} mmcv asserts on inverted boxes (here they pool to zeros, as in torchvision); its
   * {@code max} starts from a sentinel −10000, so an empty sample grid yields −10000 and bins whose
   * samples are all below −10000 are capped there (here: 0 for an empty grid, the true maximum
   * otherwise).
   */
  public static final Semantics MMDET = new Semantics("mmdet", true, 0, PoolingMode.MAX,
      LevelMapper.Formula.MMDET, 56, 0, 1e-6);

  /** ONNX {@code RoiAlign} (opset 16) defaults: {@code half_pixel}, {@code sampling_ratio=0}. */
  public static final Semantics ONNX = new Semantics("onnx", true, 0, PoolingMode.ONNX_MAX,
      LevelMapper.Formula.TORCHVISION, 224, 4, 1e-6);

  private final String name;
  private final boolean aligned;
  private final int samplingRatio;
  private final PoolingMode maxMode;
  private final LevelMapper.Formula levelFormula;
  private final double canonicalScale;
  private final int canonicalLevel;
  private final double levelEps;

  private Semantics(String name, boolean aligned, int samplingRatio, PoolingMode maxMode,
      LevelMapper.Formula levelFormula, double canonicalScale, int canonicalLevel, double levelEps) {
    Checks.notNull(maxMode, "max mode");
    Checks.notNull(levelFormula, "level formula");
    if (maxMode == PoolingMode.AVG) {
      throw new IllegalArgumentException("max mode must be MAX or ONNX_MAX, got AVG");
    }
    // Let LevelMapper's constructor check the level constants now rather than at first use.
    new LevelMapper(levelFormula, 0, 0, canonicalScale, canonicalLevel, levelEps);
    this.name = name;
    this.aligned = aligned;
    this.samplingRatio = samplingRatio;
    this.maxMode = maxMode;
    this.levelFormula = levelFormula;
    this.canonicalScale = canonicalScale;
    this.canonicalLevel = canonicalLevel;
    this.levelEps = levelEps;
  }

  /**
   * The preset called {@code name} ("torchvision", "detectron2", "mmdet" or "mmdetection", "onnx";
   * any case), e.g. from a job's configuration.
   */
  public static Semantics preset(String name) {
    Checks.notNull(name, "semantics name");
    switch (name.trim().toLowerCase(Locale.ROOT)) {
      case "torchvision":
        return TORCHVISION;
      case "detectron2":
        return DETECTRON2;
      case "mmdet":
      case "mmdetection":
        return MMDET;
      case "onnx":
        return ONNX;
      default:
        throw new IllegalArgumentException("unknown semantics '" + name
            + "'; expected torchvision, detectron2, mmdet or onnx");
    }
  }

  /**
   * ONNX RoiAlign with the given {@code coordinate_transformation_mode}: {@code half_pixel} shifts by
   * −0.5 and does not clamp the RoI size; {@code output_half_pixel} (the pre-opset-16 behaviour) does not
   * shift and clamps the RoI size to ≥ 1 cell.
   */
  public static Semantics onnx(String coordinateTransformationMode) {
    Checks.notNull(coordinateTransformationMode, "coordinate_transformation_mode");
    switch (coordinateTransformationMode) {
      case "half_pixel":
        return ONNX.withAligned(true);
      case "output_half_pixel":
        return ONNX.withAligned(false);
      default:
        throw new IllegalArgumentException("unknown coordinate_transformation_mode '"
            + coordinateTransformationMode + "'; expected half_pixel or output_half_pixel");
    }
  }

  public String name() {
    return name;
  }

  /** Half-pixel offset and no size clamp (true), or no offset and RoI size clamped to ≥ 1 (false). */
  public boolean aligned() {
    return aligned;
  }

  /** Whether box corners are shifted by −0.5 cell after scaling. */
  public boolean halfPixelOffset() {
    return aligned;
  }

  /** Whether RoI width and height are clamped to at least one cell. */
  public boolean clampsRoiSize() {
    return !aligned;
  }

  /** Sample points per bin and axis; ≤ 0 is adaptive, {@code ceil(roiSize / pooledSize)}. */
  public int samplingRatio() {
    return samplingRatio;
  }

  /** What "max" pooling means in this convention: {@link PoolingMode#MAX} or {@code ONNX_MAX}. */
  public PoolingMode maxMode() {
    return maxMode;
  }

  public LevelMapper.Formula levelFormula() {
    return levelFormula;
  }

  /** s0 of the level formula (224), or mmdetection's finest_scale (56). */
  public double canonicalScale() {
    return canonicalScale;
  }

  /** k0 of the level formula (4); unused by mmdetection's formula. */
  public int canonicalLevel() {
    return canonicalLevel;
  }

  public double levelEps() {
    return levelEps;
  }

  public Semantics withAligned(boolean newAligned) {
    return new Semantics(name, newAligned, samplingRatio, maxMode, levelFormula, canonicalScale,
        canonicalLevel, levelEps);
  }

  public Semantics withSamplingRatio(int newSamplingRatio) {
    return new Semantics(name, aligned, newSamplingRatio, maxMode, levelFormula, canonicalScale,
        canonicalLevel, levelEps);
  }

  /** A copy whose "max" is {@code newMaxMode} (MAX or ONNX_MAX). */
  public Semantics withMaxMode(PoolingMode newMaxMode) {
    return new Semantics(name, aligned, samplingRatio, newMaxMode, levelFormula, canonicalScale,
        canonicalLevel, levelEps);
  }

  /** A copy with another level formula, keeping the constants (set them with the methods below). */
  public Semantics withLevelFormula(LevelMapper.Formula newFormula) {
    return new Semantics(name, aligned, samplingRatio, maxMode, newFormula, canonicalScale,
        canonicalLevel, levelEps);
  }

  public Semantics withCanonicalScale(double newCanonicalScale) {
    return new Semantics(name, aligned, samplingRatio, maxMode, levelFormula, newCanonicalScale,
        canonicalLevel, levelEps);
  }

  public Semantics withCanonicalLevel(int newCanonicalLevel) {
    return new Semantics(name, aligned, samplingRatio, maxMode, levelFormula, canonicalScale,
        newCanonicalLevel, levelEps);
  }

  public Semantics withLevelEps(double newLevelEps) {
    return new Semantics(name, aligned, samplingRatio, maxMode, levelFormula, canonicalScale,
        canonicalLevel, newLevelEps);
  }

  /** "avg" → {@link PoolingMode#AVG}, "max" → {@link #maxMode()} (any case). */
  public PoolingMode poolingMode(String mode) {
    Checks.notNull(mode, "pooling mode");
    switch (mode.trim().toLowerCase(Locale.ROOT)) {
      case "avg":
        return PoolingMode.AVG;
      case "max":
        return maxMode;
      default:
        throw new IllegalArgumentException("unknown pooling mode '" + mode + "'; expected avg or max");
    }
  }

  /** RoI Align parameters in this convention, average pooling. */
  public RoiAlignParams roiAlignParams(int pooledHeight, int pooledWidth, double spatialScale) {
    return roiAlignParams(pooledHeight, pooledWidth, spatialScale, PoolingMode.AVG);
  }

  /** RoI Align parameters in this convention with an explicit pooling mode. */
  public RoiAlignParams roiAlignParams(int pooledHeight, int pooledWidth, double spatialScale,
      PoolingMode mode) {
    return new RoiAlignParams(pooledHeight, pooledWidth, spatialScale, samplingRatio, aligned, mode);
  }

  /**
   * The level mapper for a pyramid with these per-level spatial scales, finest first. torchvision and
   * detectron2 formulas use levels −log2(scale) of the first and last scale (e.g. 2..5 for 1/4..1/32);
   * mmdetection's counts levels from 0 to {@code scales.length − 1}.
   */
  public LevelMapper levelMapper(double[] scales) {
    Checks.notNull(scales, "scales");
    if (scales.length == 0) {
      throw new IllegalArgumentException("a level mapper needs at least one level");
    }
    int kMin;
    int kMax;
    if (levelFormula == LevelMapper.Formula.MMDET) {
      kMin = 0;
      kMax = scales.length - 1;
    } else {
      kMin = LevelMapper.levelOfScale(scales[0]);
      kMax = LevelMapper.levelOfScale(scales[scales.length - 1]);
    }
    return new LevelMapper(levelFormula, kMin, kMax, canonicalScale, canonicalLevel, levelEps);
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof Semantics s)) {
      return false;
    }
    return name.equals(s.name) && aligned == s.aligned && samplingRatio == s.samplingRatio
        && maxMode == s.maxMode && levelFormula == s.levelFormula
        && Double.compare(canonicalScale, s.canonicalScale) == 0
        && canonicalLevel == s.canonicalLevel && Double.compare(levelEps, s.levelEps) == 0;
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, aligned, samplingRatio, maxMode, levelFormula, canonicalScale,
        canonicalLevel, levelEps);
  }

  @Override
  public String toString() {
    return "Semantics[" + name + " aligned=" + aligned + " samplingRatio=" + samplingRatio + " max="
        + maxMode + " levels=" + levelFormula + " s0=" + canonicalScale + " k0=" + canonicalLevel
        + " eps=" + levelEps + "]";
  }
}
