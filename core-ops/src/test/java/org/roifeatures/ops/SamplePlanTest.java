package org.roifeatures.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The per-axis cell lists the average kernels read: every bin lists exactly the cells its samples
 * touch, once each, with the sum of the weights the samples put there; and the separable average
 * over them agrees with the per-sample average torchvision computes.
 */
class SamplePlanTest {

  @Test
  void cellsAreTheDistinctCornersOfEachBinsSamplesWithSummedWeights() {
    Random r = new Random(11);
    SamplePlan plan = new SamplePlan();
    int checkedBins = 0;
    for (int k = 0; k < 2000; k++) {
      int h = 1 + r.nextInt(20);
      int w = 1 + r.nextInt(20);
      int ph = 1 + r.nextInt(8);
      int pw = 1 + r.nextInt(8);
      int stride = 1 + r.nextInt(3);
      float startH = (float) (r.nextDouble() * (h + 4) - 3);
      float startW = (float) (r.nextDouble() * (w + 4) - 3);
      // Negative bins are inverted boxes (aligned mode keeps them); samples then run backwards.
      float binH = (float) ((r.nextDouble() * 1.2 - 0.2) * h / ph);
      float binW = (float) ((r.nextDouble() * 1.2 - 0.2) * w / pw);
      int gridH = r.nextInt(6);
      int gridW = r.nextInt(6);
      plan.build(h, w, stride, ph, pw, startH, startW, binH, binW, gridH, gridW, true);
      checkAxis(plan.ys, ph, w * stride);
      checkAxis(plan.xs, pw, stride);
      checkedBins += ph + pw;
    }
    assertTrue(checkedBins > 10_000, "bins checked: " + checkedBins);
  }

  /** Rebuilds each bin's cells from its samples, the slow way, and compares. */
  private static void checkAxis(SamplePlan.Axis axis, int bins, int offsetPerCell) {
    for (int p = 0; p < bins; p++) {
      Map<Integer, Float> want = new TreeMap<>();
      for (int s = axis.binStart[p]; s < axis.binStart[p + 1]; s++) {
        want.merge(axis.low[s] * offsetPerCell, axis.rest[s], Float::sum);
        want.merge(axis.high[s] * offsetPerCell, axis.frac[s], Float::sum);
      }
      Map<Integer, Float> got = new TreeMap<>();
      for (int i = axis.cellStart[p]; i < axis.cellStart[p + 1]; i++) {
        Float before = got.put(axis.cellOffset[i], axis.cellWeight[i]);
        assertEquals(null, before, "bin " + p + ": cell offset " + axis.cellOffset[i] + " twice");
      }
      assertEquals(want.keySet(), got.keySet(), "bin " + p + " cells");
      for (Map.Entry<Integer, Float> e : want.entrySet()) {
        // Same additions in the same order, so the same float.
        assertEquals(e.getValue(), got.get(e.getKey()), "bin " + p + " weight of " + e.getKey());
      }
    }
  }

  @Test
  void separableAverageAgreesWithThePerSampleSum() {
    Random r = new Random(12);
    SamplePlan plan = new SamplePlan();
    int compared = 0;
    for (int k = 0; k < 500; k++) {
      int h = 2 + r.nextInt(30);
      int w = 2 + r.nextInt(30);
      FeatureMap map = RoiAlignModesTest.randomMap(r, 1, h, w);
      float[] box = RoiAlignModesTest.randomBox(r, h, w, 1.0);
      RoiAlignParams params = RoiAlignParams.of(1 + r.nextInt(7), 1 + r.nextInt(7), 1.0,
          r.nextInt(5) - 1, r.nextBoolean()).withMode(PoolingMode.MAX); // MAX: per-sample arrays too
      float count = DefaultRoiKernels.planAlignRoi(h, w, 1, box, 0, params, plan);
      int bins = params.pooledHeight() * params.pooledWidth();
      float[] separable = new float[bins];
      DefaultRoiKernels.averageBins(map, 0, plan, count, separable, 0);
      float[] d = map.data();
      for (int bin = 0; bin < bins; bin++) {
        double perSample = 0;
        double magnitude = 0;
        for (int s = plan.binStart[bin]; s < plan.binStart[bin + 1]; s++) {
          double v = plan.w1[s] * d[plan.pos1[s]] + plan.w2[s] * d[plan.pos2[s]]
              + plan.w3[s] * d[plan.pos3[s]] + plan.w4[s] * d[plan.pos4[s]];
          perSample += v;
          magnitude += Math.abs(plan.w1[s] * d[plan.pos1[s]]) + Math.abs(plan.w2[s] * d[plan.pos2[s]])
              + Math.abs(plan.w3[s] * d[plan.pos3[s]]) + Math.abs(plan.w4[s] * d[plan.pos4[s]]);
        }
        double want = perSample / count;
        double bound = 1e-6 * Math.max(1, magnitude / count);
        assertTrue(Math.abs(separable[bin] - want) <= bound,
            "box " + java.util.Arrays.toString(box) + " " + params + " bin " + bin + ": " + separable[bin]
                + " vs per-sample " + want);
        compared++;
      }
    }
    assertTrue(compared > 5_000, "bins compared: " + compared);
  }

  @Test
  void anInfiniteCellReadWithWeightZeroGivesNaNAsInTheReference() {
    // One sample per bin at exact integer coordinates: its high corners get weight 0. torchvision
    // multiplies them anyway, so 0 · Inf = NaN reaches the bin; the separable sum must keep that cell.
    float[] d = new float[4 * 4];
    d[2 * 4 + 3] = Float.POSITIVE_INFINITY; // row 2, column 3
    FeatureMap map = FeatureMap.chw(d, 1, 4, 4);
    // aligned=false, scale 1, 1x1 bin over [1.5, 2.5] x [1.5, 2.5]: its one sample sits at (2, 2).
    float[] out = RoiAlign.forward(map, new float[] {1.5f, 1.5f, 2.5f, 2.5f},
        RoiAlignParams.of(1, 1, 1.0, 1, false));
    assertTrue(Float.isNaN(out[0]), "expected NaN, got " + out[0]);
    d[2 * 4 + 3] = 5f;
    out = RoiAlign.forward(map, new float[] {1.5f, 1.5f, 2.5f, 2.5f},
        RoiAlignParams.of(1, 1, 1.0, 1, false));
    assertEquals(0f, out[0], "the sample reads cell (2, 2) alone");
  }

  @Test
  void binCellsAreEveryRowCellTimesEveryColumnCellOfTheBin() {
    Random r = new Random(13);
    SamplePlan plan = new SamplePlan();
    for (int k = 0; k < 300; k++) {
      int h = 2 + r.nextInt(30);
      int w = 2 + r.nextInt(30);
      float[] box = RoiAlignModesTest.randomBox(r, h, w, 1.0);
      RoiAlignParams params = RoiAlignParams.of(1 + r.nextInt(7), 1 + r.nextInt(7), 1.0,
          r.nextInt(5) - 1, r.nextBoolean());
      DefaultRoiKernels.planAlignRoi(h, w, 3, box, 0, params, plan);
      int bin = 0;
      for (int ph = 0; ph < params.pooledHeight(); ph++) {
        for (int pw = 0; pw < params.pooledWidth(); pw++, bin++) {
          int i = plan.binCellStart[bin];
          for (int y = plan.ys.cellStart[ph]; y < plan.ys.cellStart[ph + 1]; y++) {
            for (int x = plan.xs.cellStart[pw]; x < plan.xs.cellStart[pw + 1]; x++, i++) {
              assertEquals(plan.ys.cellOffset[y] + plan.xs.cellOffset[x], plan.binCellOffset[i]);
              assertEquals(plan.ys.cellWeight[y] * plan.xs.cellWeight[x], plan.binCellWeight[i]);
            }
          }
          assertEquals(i, plan.binCellStart[bin + 1], "bin " + bin + " has only its cells");
        }
      }
    }
  }

  @Test
  void exactReciprocalOnlyForPowersOfTwoAndThenItRoundsLikeTheDivision() {
    Random r = new Random(14);
    for (float count : new float[] {1f, 2f, 4f, 8f, 64f, 1024f, 0x1p40f}) {
      float reciprocal = SamplePlan.exactReciprocal(count);
      assertEquals(1f / count, reciprocal, "count " + count);
      for (int i = 0; i < 20_000; i++) {
        // Normal, subnormal, huge, signed zero and special sums alike.
        float sum = switch (i % 5) {
          case 0 -> Float.intBitsToFloat(r.nextInt());
          case 1 -> Float.intBitsToFloat(r.nextInt(0x0080_0000)) * (r.nextBoolean() ? 1 : -1);
          case 2 -> (float) r.nextGaussian();
          case 3 -> (r.nextBoolean() ? -1 : 1) * Float.MIN_NORMAL * r.nextFloat();
          default -> new float[] {0f, -0f, Float.NaN, Float.POSITIVE_INFINITY,
              Float.NEGATIVE_INFINITY, Float.MAX_VALUE, Float.MIN_VALUE}[i % 7];
        };
        assertEquals(Float.floatToIntBits(sum / count), Float.floatToIntBits(sum * reciprocal),
            sum + " / " + count);
      }
    }
    for (float count : new float[] {3f, 6f, 9f, 12f, 1.5f, 0.5f, 0f, Float.NaN,
        Float.POSITIVE_INFINITY}) {
      assertEquals(0f, SamplePlan.exactReciprocal(count), "count " + count);
    }
  }
}
