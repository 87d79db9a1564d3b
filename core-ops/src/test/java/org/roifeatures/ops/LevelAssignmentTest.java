package org.roifeatures.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Level assignment of the detectron2 and mmdetection formulas on hand-computed boxes: exactly at the
 * 2^k thresholds, one float either side, tiny, huge, zero-area and inverted. Expected levels were
 * worked out by hand from each framework's float32 expression (see the comments); a box (0, 0, s, s)
 * has √area exactly s, because sqrt(fl(s·s)) = s in IEEE arithmetic.
 */
class LevelAssignmentTest {

  /** P2..P5 (strides 4..32), as detectron2's and torchvision's FPN heads use. */
  private static final LevelMapper D2 = Semantics.DETECTRON2.levelMapper(
      new double[] {1 / 4.0, 1 / 8.0, 1 / 16.0, 1 / 32.0});
  private static final LevelMapper TV = Semantics.TORCHVISION.levelMapper(
      new double[] {1 / 4.0, 1 / 8.0, 1 / 16.0, 1 / 32.0});
  /** Four levels counted from 0, finest_scale 56. */
  private static final LevelMapper MM = Semantics.MMDET.levelMapper(
      new double[] {1 / 4.0, 1 / 8.0, 1 / 16.0, 1 / 32.0});

  private static int square(LevelMapper m, float side) {
    return m.level(0, 0, side, side);
  }

  @ParameterizedTest(name = "detectron2: side {0} -> index {1}")
  @CsvSource({
      // side/224 is a power of two: log2 exact, +1e-8 absorbed (below half an ulp for x >= 0.25).
      "224, 2", "448, 3", "112, 1", "56, 0",
      // 28/224 = 1/8 -> level 1, clamped to P2.
      "28, 0",
      // 896/224 = 4 -> level 6, clamped to P5.
      "896, 3",
      // Between thresholds.
      "223.5, 1", "224.5, 2", "447.9, 2", "448.1, 3", "111.9, 0", "112.1, 1",
  })
  void detectron2OnSquares(float side, int index) {
    assertEquals(index, square(D2, side));
  }

  /** {@code v} moved {@code k} floats towards zero. */
  private static float below(float v, int k) {
    for (int i = 0; i < k; i++) {
      v = Math.nextDown(v);
    }
    return v;
  }

  @Test
  void detectron2OneFloatEitherSideOfTheThreshold() {
    // The threshold is blurred by float32 rounding of k0 + log2(x), not by eps: nextDown(224)/224
    // rounds to 1 - 2^-24 (+1e-8 is absorbed), log2 = -8.6e-8, and 4 - 8.6e-8 rounds back to 4.0 (the
    // float below 4 is 4 - 2.4e-7), so the box stays on level 4. Two floats below, log2 = -1.7e-7 and
    // the sum rounds to 4 - 2.4e-7: level 3. (Checked against an independent numpy float32 evaluation
    // of detectron2's expression.)
    assertEquals(2, square(D2, below(224f, 1)));
    assertEquals(1, square(D2, below(224f, 2)));
    assertEquals(2, square(D2, Math.nextUp(224f)));
    // At 112 the sum 4 + (-1 - 1.2e-7) is a tie between 3 and 3 - 2.4e-7 and rounds to even (3).
    assertEquals(1, square(D2, below(112f, 2)));
    assertEquals(0, square(D2, below(112f, 3)));
    assertEquals(3, square(D2, below(448f, 3)));
    assertEquals(2, square(D2, below(448f, 4)));
  }

  @Test
  void torchvisionDiffersFromDetectron2JustBelowTheThreshold() {
    // torchvision adds its eps (1e-6) after k0, which lifts 4 - 2.4e-7 over 4: boxes a few floats
    // below 224 stay on level 4, where detectron2 has moved them to level 3.
    for (int k = 2; k <= 4; k++) {
      assertEquals(2, square(TV, below(224f, k)), k + " floats below 224");
      assertEquals(1, square(D2, below(224f, k)), k + " floats below 224");
    }
    // Both agree well away from the threshold.
    assertEquals(1, square(TV, 223.5f));
    assertEquals(2, square(TV, 224.5f));
  }

  @Test
  void mmdetOneFloatEitherSideOfTheThreshold() {
    // 1e-6 added to scale/56 before log2 moves each threshold down by about 4 floats.
    assertEquals(2, square(MM, below(224f, 3)));
    assertEquals(1, square(MM, below(224f, 4)));
    assertEquals(2, square(MM, Math.nextUp(224f)));
    assertEquals(3, square(MM, below(448f, 3)));
    assertEquals(2, square(MM, below(448f, 4)));
  }

  @ParameterizedTest(name = "mmdet: side {0} -> index {1}")
  @CsvSource({
      // scale/56 + 1e-6 >= 2^k puts the box on level k: thresholds 112, 224, 448 (times 1 - 5e-7).
      "56, 0", "112, 1", "224, 2", "448, 3", "896, 3",
      "111.9, 0", "112.1, 1", "223.9, 1", "224.1, 2", "447.9, 2", "448.1, 3",
      // Below finest_scale: log2 < 0, clamped to level 0.
      "10, 0", "55.9, 0",
      // 112 - 1e-4: 1.9999982 + 1e-6 stays below 2 -> level 0.
      "111.9999, 0",
      // 112 - 3.8e-5: 1.9999993 + 1e-6 rounds above 2 -> level 1; eps moves the boundary.
      "111.99996, 1",
  })
  void mmdetOnSquares(float side, int index) {
    assertEquals(index, square(MM, side));
  }

  @Test
  void mmdetUsesWidthTimesHeightWithoutPlusOne() {
    // 111 x 113: sqrt(12543) = 111.996 -> level 0. With mmdetection 1.x's "+1" (112 x 114) it would be
    // sqrt(12768) = 112.996 -> level 1.
    assertEquals(0, MM.level(0, 0, 111, 113));
    assertEquals(1, MM.level(0, 0, 112, 114));
  }

  @Test
  void tinyZeroAndHugeBoxes() {
    for (LevelMapper m : new LevelMapper[] {D2, MM, TV}) {
      String f = m.formula().name();
      // Area 1e-40 (subnormal) and exactly 0: far below the finest level, clamped to it.
      assertEquals(0, m.level(0, 0, 1e-20f, 1e-20f), f);
      assertEquals(0, m.level(5, 5, 5, 9), f);
      assertEquals(0, m.level(3, 3, 3, 3), f);
      // Area overflows to +inf: clamped to the coarsest level.
      assertEquals(3, m.level(-1e30f, -1e30f, 1e30f, 1e30f), f);
      assertEquals(3, m.level(0, 0, 3e38f, 3e38f), f);
    }
  }

  @Test
  void invertedBoxesHaveNoLevel() {
    for (LevelMapper m : new LevelMapper[] {D2, MM, TV}) {
      String f = m.formula().name();
      // Negative area: sqrt is NaN in every framework, the NaN level matches no level.
      assertEquals(-1, m.level(10, 10, 5, 20), f);
      assertEquals(-1, m.level(10, 10, 20, 9.5f), f);
      // Width overflows to +inf while height is 0: inf * 0 = NaN, no level either.
      assertEquals(-1, m.level(-3e38f, 0, 3e38f, 0), f);
      // Inverted on both axes: the product is positive, so the frameworks assign a level (50 -> P2).
      assertEquals(0, m.level(10, 20, 5, 10), f);
    }
  }

  @Test
  void detectron2EpsilonRevisionsAgreeFromP2() {
    // sys.float_info.epsilon (2.2e-16) versus 1e-8: identical whenever the unclamped level is >= 2.
    LevelMapper machineEps = Semantics.DETECTRON2.withLevelEps(2.220446049250313e-16)
        .levelMapper(new double[] {1 / 4.0, 1 / 8.0, 1 / 16.0, 1 / 32.0});
    java.util.Random r = new java.util.Random(8);
    for (int i = 0; i < 20000; i++) {
      float side = (float) Math.scalb(1.0 + r.nextDouble(), 4 + r.nextInt(7));
      float s = r.nextInt(4) == 0 ? Math.nextDown((float) Math.scalb(1.0, 5 + r.nextInt(6))) : side;
      assertEquals(square(D2, s), square(machineEps, s), "side " + s);
    }
  }
}
