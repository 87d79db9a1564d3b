package org.roifeatures.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The convention presets, their single knobs, and multi-scale RoI Align built from each preset. */
class SemanticsTest {

  private static final double[] SCALES = {1 / 4.0, 1 / 8.0, 1 / 16.0, 1 / 32.0};

  @Test
  void presetsBundleTheDocumentedKnobs() {
    Semantics tv = Semantics.TORCHVISION;
    assertFalse(tv.halfPixelOffset());
    assertTrue(tv.clampsRoiSize());
    assertEquals(-1, tv.samplingRatio());
    assertEquals(LevelMapper.Formula.TORCHVISION, tv.levelFormula());
    assertEquals(1e-6, tv.levelEps());

    Semantics d2 = Semantics.DETECTRON2;
    assertTrue(d2.halfPixelOffset());
    assertFalse(d2.clampsRoiSize());
    assertEquals(0, d2.samplingRatio());
    assertEquals(224, d2.canonicalScale());
    assertEquals(4, d2.canonicalLevel());
    assertEquals(1e-8, d2.levelEps());

    Semantics mm = Semantics.MMDET;
    assertTrue(mm.aligned());
    assertEquals(56, mm.canonicalScale());
    assertEquals(LevelMapper.Formula.MMDET, mm.levelFormula());
    assertEquals(PoolingMode.MAX, mm.poolingMode("max"));

    Semantics onnx = Semantics.ONNX;
    assertTrue(onnx.aligned());
    assertEquals(PoolingMode.ONNX_MAX, onnx.poolingMode("max"));
    assertEquals(PoolingMode.AVG, onnx.poolingMode("avg"));
    assertFalse(Semantics.onnx("output_half_pixel").aligned());
    assertTrue(Semantics.onnx("half_pixel").aligned());
  }

  @Test
  void presetsByName() {
    assertSame(Semantics.TORCHVISION, Semantics.preset("torchvision"));
    assertSame(Semantics.DETECTRON2, Semantics.preset(" Detectron2 "));
    assertSame(Semantics.MMDET, Semantics.preset("mmdetection"));
    assertSame(Semantics.ONNX, Semantics.preset("ONNX"));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Semantics.preset("caffe2"));
    assertTrue(e.getMessage().contains("caffe2"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> Semantics.onnx("align_corners"));
    assertTrue(e.getMessage().contains("align_corners"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> Semantics.ONNX.poolingMode("sum"));
    assertTrue(e.getMessage().contains("sum"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> Semantics.MMDET.withMaxMode(PoolingMode.AVG));
    assertTrue(e.getMessage().contains("AVG"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> Semantics.DETECTRON2.withLevelEps(-1));
    assertTrue(e.getMessage().contains("-1"), e.getMessage());
  }

  @Test
  void knobsChangeOneAtATime() {
    Semantics s = Semantics.DETECTRON2.withSamplingRatio(2).withAligned(false)
        .withMaxMode(PoolingMode.ONNX_MAX).withCanonicalScale(112).withCanonicalLevel(3)
        .withLevelEps(0).withLevelFormula(LevelMapper.Formula.TORCHVISION);
    assertEquals(2, s.samplingRatio());
    assertFalse(s.aligned());
    assertEquals(PoolingMode.ONNX_MAX, s.maxMode());
    assertEquals(112, s.canonicalScale());
    assertEquals(3, s.canonicalLevel());
    assertEquals(0, s.levelEps());
    assertEquals(LevelMapper.Formula.TORCHVISION, s.levelFormula());
    // The preset itself is unchanged.
    assertEquals(0, Semantics.DETECTRON2.samplingRatio());
    assertEquals(new RoiAlignParams(7, 5, 0.25, 2, false, PoolingMode.ONNX_MAX),
        s.roiAlignParams(7, 5, 0.25, s.poolingMode("max")));
    assertEquals(RoiAlignParams.of(7, 7, 0.5, 0, true),
        Semantics.DETECTRON2.roiAlignParams(7, 7, 0.5));
  }

  @Test
  void levelMappersFollowThePyramid() {
    assertEquals(4, Semantics.DETECTRON2.levelMapper(SCALES).levels());
    assertEquals(4, Semantics.MMDET.levelMapper(SCALES).levels());
    // mmdet counts from level 0 whatever the strides: a 3-level pyramid from stride 8 has 3 levels.
    LevelMapper mm3 = Semantics.MMDET.levelMapper(new double[] {1 / 8.0, 1 / 16.0, 1 / 32.0});
    assertEquals(3, mm3.levels());
    assertEquals(2, mm3.level(0, 0, 1000, 1000));
    // torchvision/detectron2 take k from the scales: P3..P5.
    LevelMapper d2 = Semantics.DETECTRON2.levelMapper(new double[] {1 / 8.0, 1 / 16.0, 1 / 32.0});
    assertEquals(0, d2.level(0, 0, 56, 56));
    assertEquals(1, d2.level(0, 0, 224, 224));
  }

  /** Each preset's multi-scale op pools every box from the level its mapper picks, in its convention. */
  @ParameterizedTest
  @ValueSource(strings = {"torchvision", "detectron2", "mmdet", "onnx"})
  void multiScaleUsesThePresetsLevelsAndParams(String name) {
    Semantics s = Semantics.preset(name);
    Random r = new Random(name.hashCode());
    FeatureMap[] maps = new FeatureMap[SCALES.length];
    for (int l = 0; l < maps.length; l++) {
      int side = 256 >> (l + 2);
      maps[l] = RoiAlignModesTest.randomMap(r, 3, side, side);
    }
    int n = 60;
    float[] boxes = new float[4 * n];
    for (int b = 0; b < n; b++) {
      float x = r.nextFloat() * 200;
      float y = r.nextFloat() * 200;
      float side = (float) Math.scalb(1.0 + r.nextDouble(), 3 + r.nextInt(7));
      boolean inverted = b % 10 == 0;
      boxes[4 * b] = x;
      boxes[4 * b + 1] = y;
      boxes[4 * b + 2] = x + side * (0.5f + r.nextFloat());
      boxes[4 * b + 3] = inverted ? y - 5 : y + side;
    }
    MultiScaleRoiAlign op = MultiScaleRoiAlign.of(s, SCALES, 7, 7);
    LevelMapper mapper = s.levelMapper(SCALES);
    int row = op.rowLength(3);
    float[] out = new float[n * row];
    int[] level = new int[n];
    op.forward(maps, boxes, 0, n, out, 0, level, 0);
    for (int b = 0; b < n; b++) {
      float[] box = Arrays.copyOfRange(boxes, 4 * b, 4 * b + 4);
      int want = mapper.level(box[0], box[1], box[2], box[3]);
      assertEquals(want, level[b], "level of box " + b);
      float[] got = Arrays.copyOfRange(out, b * row, (b + 1) * row);
      if (want < 0) {
        assertArrayEquals(new float[row], got, "inverted box " + b + " gets a zero row");
        continue;
      }
      float[] single = RoiAlign.forward(maps[want], box, s.roiAlignParams(7, 7, SCALES[want]));
      assertArrayEquals(single, got, "box " + b + " on level " + want);
    }
  }

  @Test
  void singleLevelPoolsEveryBoxLikeTheFrameworks() {
    // With one level torchvision, detectron2 and mmdetection skip level assignment entirely.
    Random r = new Random(5);
    FeatureMap map = RoiAlignModesTest.randomMap(r, 2, 9, 11);
    float[] boxes = {1, 1, 6, 7, 8, 6, 2, 3};
    for (Semantics s : new Semantics[] {Semantics.TORCHVISION, Semantics.DETECTRON2, Semantics.MMDET}) {
      MultiScaleRoiAlign op = MultiScaleRoiAlign.of(s, new double[] {1.0}, 3, 3);
      float[] out = new float[2 * op.rowLength(2)];
      int[] level = new int[2];
      op.forward(new FeatureMap[] {map}, boxes, 0, 2, out, 0, level, 0);
      assertArrayEquals(new int[] {0, 0}, level, s.name());
      assertArrayEquals(RoiAlign.forward(map, boxes, s.roiAlignParams(3, 3, 1.0)), out, s.name());
    }
  }
}
