package org.roifeatures.ops;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Bad parameters and inputs raise IllegalArgumentException whose message names the bad value. */
class ValidationTest {

  private static final FeatureMap MAP = FeatureMap.chw(new float[2 * 4 * 5], 2, 4, 5);
  private static final float[] BOX = {0, 0, 3, 2};

  private static void assertRejects(Executable call, String... fragments) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
    for (String f : fragments) {
      assertTrue(e.getMessage().contains(f), "message '" + e.getMessage() + "' lacks '" + f + "'");
    }
  }

  @Test
  void pooledSizeMustBePositive() {
    assertRejects(() -> RoiAlignParams.of(0, 7, 1, 2, false), "pooledHeight=0");
    assertRejects(() -> RoiAlignParams.of(7, -3, 1, 2, false), "pooledWidth=-3");
    assertRejects(() -> new RoiPoolParams(-1, 2, 1), "pooledHeight=-1");
  }

  @Test
  void spatialScaleMustBeFinitePositive() {
    assertRejects(() -> RoiAlignParams.of(2, 2, 0, 2, false), "spatialScale", "0.0");
    assertRejects(() -> RoiAlignParams.of(2, 2, -0.25, 2, false), "-0.25");
    assertRejects(() -> new RoiPoolParams(2, 2, Double.NaN), "NaN");
    assertRejects(() -> new RoiPoolParams(2, 2, Double.POSITIVE_INFINITY), "Infinity");
  }

  @Test
  void featureLengthMustMatchShape() {
    assertRejects(() -> FeatureMap.chw(new float[39], 2, 4, 5), "39", "2*4*5=40");
    assertRejects(() -> FeatureMap.hwc(new float[41], 2, 4, 5), "41", "40");
    assertRejects(() -> FeatureMap.chw(new float[40], 10, 2, 4, 5), "offset 10");
    assertRejects(() -> FeatureMap.chw(new float[0], 0, 4, 5), "C=0");
  }

  @Test
  void outputBufferMustBeLargeEnough() {
    RoiAlignParams p = RoiAlignParams.of(2, 2, 1, 2, false);
    assertRejects(() -> RoiAlign.forward(MAP, BOX, 0, 1, p, new float[7], 0), "need 8", "have 7");
    assertRejects(() -> RoiAlign.forward(MAP, BOX, 0, 1, p, new float[8], 1), "from offset 1");
    assertRejects(() -> RoiPool.forward(MAP, BOX, 0, 1, new RoiPoolParams(2, 2, 1), new float[3], 0),
        "need 8");
  }

  @Test
  void psChannelsMustBeDivisibleByBins() {
    FeatureMap tenChannels = FeatureMap.chw(new float[10 * 3 * 3], 10, 3, 3);
    assertRejects(() -> PsRoiAlign.forward(tenChannels, BOX, RoiAlignParams.of(3, 3, 1, 2, true)),
        "channels (10)", "3*3=9", "ps_roi_align");
    assertRejects(() -> PsRoiPool.forward(tenChannels, BOX, new RoiPoolParams(2, 2, 1)),
        "channels (10)", "ps_roi_pool");
  }

  @Test
  void boxesMustBeFinite() {
    RoiAlignParams p = RoiAlignParams.of(2, 2, 1, 2, false);
    float[] boxes = {0, 0, 1, 1, 0, Float.NaN, 1, 1};
    assertRejects(() -> RoiAlign.forward(MAP, boxes, p), "box 1", "y1=NaN");
    float[] inf = {0, 0, Float.POSITIVE_INFINITY, 1};
    assertRejects(() -> RoiPool.forward(MAP, inf, new RoiPoolParams(2, 2, 1)), "box 0",
        "x2=Infinity");
    float[] negInf = {0, 0, 1, Float.NEGATIVE_INFINITY};
    assertRejects(() -> PsRoiPool.forward(FeatureMap.chw(new float[4 * 4], 4, 2, 2), negInf,
        new RoiPoolParams(2, 2, 1)), "y2=-Infinity");
  }

  @Test
  void boxArrayShapeIsChecked() {
    RoiAlignParams p = RoiAlignParams.of(2, 2, 1, 2, false);
    assertRejects(() -> RoiAlign.forward(MAP, new float[6], p), "length 6", "multiple of 4");
    assertRejects(() -> RoiAlign.forward(MAP, new float[8], 4, 2, p, new float[16], 0),
        "cannot hold 2 boxes");
    assertRejects(() -> RoiAlign.forward(MAP, new float[8], 0, -1, p, new float[16], 0),
        "numBoxes must be >= 0, got -1");
  }

  @Test
  void multiScaleChecksLevels() {
    RoiAlignParams p = RoiAlignParams.of(2, 2, 1, 2, false);
    assertRejects(() -> new MultiScaleRoiAlign(new double[] {0.25, 0.125},
        LevelMapper.torchvision(2, 4), p), "assigns 3 levels", "2 scales");
    MultiScaleRoiAlign op = MultiScaleRoiAlign.torchvision(new double[] {0.25, 0.125}, p);
    FeatureMap other = FeatureMap.chw(new float[3 * 2 * 2], 3, 2, 2);
    assertRejects(() -> op.forward(new FeatureMap[] {MAP, other}, BOX, 0, 1, new float[8], 0, null,
        0), "level 1 has 3 channels");
    assertRejects(() -> op.forward(new FeatureMap[] {MAP}, BOX, 0, 1, new float[8], 0, null, 0),
        "1 maps given for 2 levels");
  }
}
