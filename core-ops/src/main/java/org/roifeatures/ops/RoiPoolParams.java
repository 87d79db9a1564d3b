package org.roifeatures.ops;

/**
 * Parameters of RoI Pool and PS RoI Pool, with torchvision's names and meaning.
 *
 * @param pooledHeight output bins per column (PH), &gt; 0
 * @param pooledWidth  output bins per row (PW), &gt; 0
 * @param spatialScale map cells per image pixel (1/stride), finite and &gt; 0
 */
public record RoiPoolParams(int pooledHeight, int pooledWidth, double spatialScale) {

  public RoiPoolParams {
    Checks.pooledSize(pooledHeight, pooledWidth);
    Checks.spatialScale(spatialScale);
  }
}
