package org.roifeatures.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Rotated RoI Align (detectron2 {@code ROIAlignRotated}) against the axis-aligned op at 0°, against the
 * axis-aligned op on a rotated or flipped map at ±90° and 180°, and against a slow per-sample
 * definition on random rotated boxes.
 */
class RoiAlignRotatedTest {

  private static FeatureMap randomMap(Random r, int c, int h, int w) {
    return RoiAlignModesTest.randomMap(r, c, h, w);
  }

  /** The rotated box with the same centre and size as the corner box (x1, y1, x2, y2), angle 0. */
  private static float[] centred(float x1, float y1, float x2, float y2) {
    return new float[] {(x1 + x2) / 2, (y1 + y2) / 2, x2 - x1, y2 - y1, 0f};
  }

  /**
   * Angle 0 reads roi_align(aligned=true)'s points when the box arithmetic is exact: edges on
   * half-integers, power-of-two scale, pooled sizes and sampling ratio. Then (cx ± w/2)·scale − 0.5 and
   * every sample coordinate are exact in float32 whichever way the sums are associated, cos 0 = 1 and
   * sin 0 = 0 exactly, so both ops read the same points with the same weights; only the order of the
   * sums differs (per sample here, separably per row in roi_align), so they agree to a few ulps.
   */
  @ParameterizedTest(name = "scale={0} pooled={1}x{2} sr={3}")
  @CsvSource({"1, 1, 1, 1", "1, 2, 4, 2", "0.5, 4, 2, 4", "0.25, 2, 2, 1", "1, 4, 4, 0",
      "0.5, 1, 2, 0"})
  void angleZeroIsRoiAlignOnExactBoxes(double scale, int ph, int pw, int sr) {
    Random r = new Random(Double.hashCode(scale) + 31 * ph + 7 * pw + sr);
    FeatureMap map = randomMap(r, 3, 11, 13);
    RoiAlignParams p = RoiAlignRotated.params(ph, pw, scale, sr);
    int checked = 0;
    for (int k = 0; k < 1000; k++) {
      float x1 = (r.nextInt(70) - 10) / 2f / (float) scale;
      float y1 = (r.nextInt(60) - 10) / 2f / (float) scale;
      float x2 = x1 + r.nextInt(40) / 2f / (float) scale;
      float y2 = y1 + r.nextInt(40) / 2f / (float) scale;
      int gridH = RoiGeometry.grid(sr, (y2 - y1) * (float) scale, ph);
      int gridW = RoiGeometry.grid(sr, (x2 - x1) * (float) scale, pw);
      if (Integer.bitCount(Math.max(gridH, 1)) != 1 || Integer.bitCount(Math.max(gridW, 1)) != 1) {
        continue; // adaptive grid of 3, 5, ...: (i + .5)·bin/grid is no longer exact
      }
      float[] aa = RoiAlign.forward(map, new float[] {x1, y1, x2, y2}, p);
      float[] rot = RoiAlignRotated.forward(map, centred(x1, y1, x2, y2), p);
      assertClose(aa, rot, 1e-6, "box " + x1 + "," + y1 + "," + x2 + "," + y2);
      checked++;
    }
    assertTrue(checked > 100, "exact-class boxes checked: " + checked);
  }

  @Test
  void angleZeroIsRoiAlignToRoundingOnAnyBox() {
    Random r = new Random(70);
    FeatureMap map = randomMap(r, 2, 17, 19);
    for (int k = 0; k < 300; k++) {
      float[] b = RoiAlignModesTest.randomBox(r, 17, 19, 0.5);
      if (b[2] < b[0] || b[3] < b[1]) {
        continue; // negative sizes are invalid for the rotated op
      }
      RoiAlignParams p = RoiAlignRotated.params(1 + r.nextInt(7), 1 + r.nextInt(7), 0.5,
          r.nextInt(4) - 1);
      float[] aa = RoiAlign.forward(map, b, p);
      float[] rot = RoiAlignRotated.forward(map, centred(b[0], b[1], b[2], b[3]), p);
      assertClose(aa, rot, 1e-5, "box " + Arrays.toString(b));
    }
  }

  /** Map M' with M'(a, b) = f(a, b) of the original map; dims C × newH × newW. */
  private interface Remap {
    float at(FeatureMap m, int c, int a, int b);
  }

  private static FeatureMap remap(FeatureMap m, int newH, int newW, Remap f) {
    float[] d = new float[m.channels() * newH * newW];
    for (int c = 0; c < m.channels(); c++) {
      for (int a = 0; a < newH; a++) {
        for (int b = 0; b < newW; b++) {
          d[(c * newH + a) * newW + b] = f.at(m, c, a, b);
        }
      }
    }
    return FeatureMap.chw(d, m.channels(), newH, newW);
  }

  /**
   * At ±90° and 180° a rotated RoI reads the same points as an axis-aligned RoI on the map rotated or
   * flipped to match (the border rule is symmetric under flips). Derivation for 90° (cos 0, sin 1): the
   * RoI-frame point (yy, xx) lands at (cy − xx, cx + yy); on M'(a, b) = F(H−1−b, a) the axis-aligned
   * point (cy' + yy, cx' + xx) reads F(H−1−cx'−xx, cy'+yy), equal when cx' = H−1−cy and cy' = cx (map
   * coordinates, after the −0.5 shift). float32 cos(π/2) is −4.4e-8, not 0, so the sample positions
   * differ by rounding: compared to 2e-5.
   */
  @ParameterizedTest(name = "angle {0}, square={1}")
  @CsvSource({"90, true", "90, false", "180, true", "180, false", "-90, true", "-90, false",
      "270, false"})
  void rightAnglesAreRoiAlignOnTheTurnedMap(float angle, boolean square) {
    Random r = new Random((long) angle * 3 + (square ? 1 : 0));
    int h = 12;
    int w = 15;
    FeatureMap f = randomMap(r, 2, h, w);
    int turns = Math.floorMod(Math.round(angle / 90f), 4);
    FeatureMap turned = switch (turns) {
      case 1 -> remap(f, w, h, (m, c, a, b) -> m.get(c, h - 1 - b, a));
      case 2 -> remap(f, h, w, (m, c, a, b) -> m.get(c, h - 1 - a, w - 1 - b));
      case 3 -> remap(f, w, h, (m, c, a, b) -> m.get(c, b, w - 1 - a));
      default -> throw new AssertionError(turns);
    };
    for (int k = 0; k < 200; k++) {
      float cxm = r.nextFloat() * (w + 4) - 2;
      float cym = r.nextFloat() * (h + 4) - 2;
      float bw = r.nextFloat() * 10;
      float bh = square ? bw : r.nextFloat() * 10;
      RoiAlignParams p = RoiAlignRotated.params(1 + r.nextInt(5), 1 + r.nextInt(5), 1.0,
          r.nextInt(4) - 1);
      float[] rot = RoiAlignRotated.forward(f, new float[] {cxm + 0.5f, cym + 0.5f, bw, bh, angle}, p);
      float cxT;
      float cyT;
      switch (turns) {
        case 1 -> { cxT = h - 1 - cym; cyT = cxm; }
        case 2 -> { cxT = w - 1 - cxm; cyT = h - 1 - cym; }
        default -> { cxT = cym; cyT = w - 1 - cxm; }
      }
      // Axis-aligned box on the turned map with that centre (image coords = map coords + 0.5).
      float[] box = {cxT + 0.5f - bw / 2, cyT + 0.5f - bh / 2, cxT + 0.5f + bw / 2,
          cyT + 0.5f + bh / 2};
      float[] aa = RoiAlign.forward(turned, box, p);
      assertClose(aa, rot, 2e-5, "angle " + angle + " centre " + cxm + "," + cym + " size " + bw
          + "x" + bh);
    }
  }

  /** Slow definition: every sample rotated in double, one at a time, no shared tables. */
  static float[] reference(FeatureMap m, float[] box, RoiAlignParams p) {
    double s = p.spatialScale();
    double cx = box[0] * s - 0.5;
    double cy = box[1] * s - 0.5;
    double rw = box[2] * s;
    double rh = box[3] * s;
    double theta = Math.toRadians(box[4]);
    double cos = Math.cos(theta);
    double sin = Math.sin(theta);
    int ph = p.pooledHeight();
    int pw = p.pooledWidth();
    // The grid is a discrete choice: take it from the same float expression as the op.
    int gh = RoiGeometry.grid(p.samplingRatio(), box[3] * (float) s, ph);
    int gw = RoiGeometry.grid(p.samplingRatio(), box[2] * (float) s, pw);
    float[] out = new float[m.channels() * ph * pw];
    for (int c = 0; c < m.channels(); c++) {
      for (int i = 0; i < ph; i++) {
        for (int j = 0; j < pw; j++) {
          double sum = 0;
          for (int iy = 0; iy < gh; iy++) {
            for (int ix = 0; ix < gw; ix++) {
              // Point in the box's own frame, relative to its centre.
              double yy = -rh / 2 + (i + (iy + 0.5) / gh) * rh / ph;
              double xx = -rw / 2 + (j + (ix + 0.5) / gw) * rw / pw;
              // Counter-clockwise rotation by theta in (y, x) order, then translation to the centre.
              double y = cy + yy * cos - xx * sin;
              double x = cx + yy * sin + xx * cos;
              Double v = ReferenceOps.bilinear(m, c, y, x);
              sum += v == null ? 0 : v;
            }
          }
          out[(c * ph + i) * pw + j] = (float) (sum / Math.max((long) gh * gw, 1));
        }
      }
    }
    return out;
  }

  @Test
  void randomRotatedBoxesMatchTheDefinition() {
    Random r = new Random(2024);
    for (int k = 0; k < 400; k++) {
      int h = 3 + r.nextInt(14);
      int w = 3 + r.nextInt(14);
      FeatureMap map = randomMap(r, 2, h, w);
      double scale = new double[] {1, 0.5, 0.25, 0.3}[r.nextInt(4)];
      float[] box = {(float) ((r.nextDouble() * 1.4 - 0.2) * w / scale),
          (float) ((r.nextDouble() * 1.4 - 0.2) * h / scale), (float) (r.nextDouble() * w / scale),
          (float) (r.nextDouble() * h / scale), (float) (r.nextDouble() * 720 - 360)};
      RoiAlignParams p = RoiAlignRotated.params(1 + r.nextInt(6), 1 + r.nextInt(6), scale,
          r.nextInt(4) - 1);
      float[] got = RoiAlignRotated.forward(map, box, p);
      FeatureMap hwc = map.toLayout(FeatureMap.Layout.HWC);
      assertArrayEquals(got, RoiAlignRotated.forward(hwc, box, p), "HWC layout, same bits");
      assertClose(reference(map, box, p), got, 1e-4, "box " + Arrays.toString(box) + " " + p);
    }
  }

  /** The pruned path (huge sample grids) stores exactly the samples the point-by-point scan keeps. */
  @Test
  void prunedSamplingEqualsTheDirectScan() {
    Random r = new Random(99);
    for (int k = 0; k < 60; k++) {
      int h = 4 + r.nextInt(10);
      int w = 4 + r.nextInt(10);
      FeatureMap map = randomMap(r, 2, h, w).toLayout(k % 2 == 0 ? FeatureMap.Layout.CHW
          : FeatureMap.Layout.HWC);
      float size = (float) Math.scalb(1.0 + r.nextDouble(), r.nextInt(8));
      float[] box = {(r.nextFloat() * 2 - 0.5f) * w, (r.nextFloat() * 2 - 0.5f) * h,
          size * (0.2f + r.nextFloat()), size * (0.2f + r.nextFloat()),
          k % 5 == 0 ? 90f * r.nextInt(4) : r.nextFloat() * 360};
      RoiAlignParams p = RoiAlignRotated.params(1 + r.nextInt(3), 1 + r.nextInt(3), 1.0,
          k % 3 == 0 ? 0 : 8 + r.nextInt(60));
      int row = RoiAlignRotated.rowLength(map, p);
      float[] direct = new float[row];
      float[] pruned = new float[row];
      RotatedRoiAlignKernel.forward(map, box, 0, 1, p, direct, 0, Integer.MAX_VALUE);
      RotatedRoiAlignKernel.forward(map, box, 0, 1, p, pruned, 0, 0);
      assertArrayEquals(direct, pruned, () -> "box " + Arrays.toString(box) + " " + p);
    }
  }

  /**
   * Huge boxes visit only the samples that can land on the map (RotatedSamplePlan's pruned scan); a
   * full scan of their 2^31-wide grids would not end within the (generous) timeout.
   */
  @Test
  @Timeout(value = 2, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  void hugeBoxesCostNoMoreThanTheMap() {
    Random r = new Random(3);
    FeatureMap map = randomMap(r, 4, 16, 16);
    RoiAlignParams p = RoiAlignRotated.params(7, 7, 0.25, 0);
    float[] boxes = {32, 32, 1e30f, 1e30f, 30, 0, 0, 3e38f, 3e38f, 45, 1e30f, -1e30f, 1e30f, 1e30f,
        10, 32, 32, 1e6f, 1e6f, 1e20f, 32, 32, 0, 0, 0, -5e29f, 3e29f, 1e30f, 1.3e30f, -45};
    float[] out = RoiAlignRotated.forward(map, boxes, p);
    for (float v : out) {
      assertTrue(Float.isFinite(v), "finite output");
    }
  }

  @Test
  void invalidInputIsNamed() {
    FeatureMap map = FeatureMap.chw(new float[2 * 4 * 5], 2, 4, 5);
    RoiAlignParams p = RoiAlignRotated.params(2, 2, 1, 2);
    assertRejects(() -> RoiAlignRotated.forward(map, new float[] {1, 1, 2, 2, 0, 1, 1, 2, 2,
        Float.NaN}, p), "box 1", "angle=NaN");
    assertRejects(() -> RoiAlignRotated.forward(map, new float[] {Float.POSITIVE_INFINITY, 1, 2, 2,
        0}, p), "box 0", "cx=Infinity");
    assertRejects(() -> RoiAlignRotated.forward(map, new float[] {1, 1, -2, 2, 0}, p), "box 0",
        "negative size", "w=-2.0");
    assertRejects(() -> RoiAlignRotated.forward(map, new float[] {1, 1, 2, -0.5f, 0}, p), "h=-0.5");
    assertRejects(() -> RoiAlignRotated.forward(map, new float[8], p), "length 8", "multiple of 5");
    assertRejects(() -> RoiAlignRotated.forward(map, new float[5], 1, 1, p, new float[8], 0),
        "cannot hold 1 rotated boxes");
    assertRejects(() -> RoiAlignRotated.forward(map, new float[5], RoiAlignParams.of(2, 2, 1, 2,
        false)), "aligned=false");
    assertRejects(() -> RoiAlignRotated.forward(map, new float[5],
        p.withMode(PoolingMode.MAX)), "mode=MAX");
    assertRejects(() -> RoiAlignRotated.forward(map, new float[5], 0, 1, p, new float[7], 0),
        "need 8");
    assertEquals(null, RotatedBoxCheck.problem(1, 2, 0, 0, -720));
  }

  private static void assertRejects(org.junit.jupiter.api.function.Executable call,
      String... fragments) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
    for (String f : fragments) {
      assertTrue(e.getMessage().contains(f), "message '" + e.getMessage() + "' lacks '" + f + "'");
    }
  }

  static void assertClose(float[] want, float[] got, double tol, String what) {
    assertEquals(want.length, got.length, what);
    for (int i = 0; i < want.length; i++) {
      if (!(Math.abs(want[i] - got[i]) <= tol + tol * Math.abs(want[i]))) {
        throw new AssertionError(what + ": element " + i + " expected " + want[i] + " got " + got[i]);
      }
    }
  }
}
