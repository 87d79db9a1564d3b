package org.roifeatures.ops;

/**
 * Parameters of RoI Align, with torchvision's names and meaning.
 *
 * @param pooledHeight  output bins per column (PH), &gt; 0
 * @param pooledWidth   output bins per row (PW), &gt; 0
 * @param spatialScale  map cells per image pixel (1/stride), finite and &gt; 0; used in float32 like the
 *                      reference
 * @param samplingRatio sample points per bin along each axis; &le; 0 means adaptive:
 *                      {@code ceil(roiSize / pooledSize)} per RoI
 * @param aligned       true: shift box corners by −0.5 cell (half-pixel) and allow RoIs smaller than one
 *                      cell; false: no shift, RoI size clamped to ≥ 1 cell (the legacy behaviour)
 * @param mode          how the samples of a bin are reduced
 */
public record RoiAlignParams(int pooledHeight, int pooledWidth, double spatialScale,
    int samplingRatio, boolean aligned, PoolingMode mode) {

  public RoiAlignParams {
    Checks.pooledSize(pooledHeight, pooledWidth);
    Checks.spatialScale(spatialScale);
    Checks.notNull(mode, "pooling mode");
  }

  /** Average-mode RoI Align, as {@code torchvision.ops.roi_align}. */
  public static RoiAlignParams of(int pooledHeight, int pooledWidth, double spatialScale,
      int samplingRatio, boolean aligned) {
    return new RoiAlignParams(pooledHeight, pooledWidth, spatialScale, samplingRatio, aligned,
        PoolingMode.AVG);
  }

  /** A copy with another pooling mode. */
  public RoiAlignParams withMode(PoolingMode newMode) {
    return new RoiAlignParams(pooledHeight, pooledWidth, spatialScale, samplingRatio, aligned, newMode);
  }

  /** A copy with another spatial scale (one FPN level of a multi-scale RoI Align). */
  public RoiAlignParams withSpatialScale(double newScale) {
    return new RoiAlignParams(pooledHeight, pooledWidth, newScale, samplingRatio, aligned, mode);
  }
}
