package org.roifeatures.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Random boxes of every kind (on the map, off it, huge, tiny, inverted, zero-size, NaN, ±Inf) and random
 * parameters through every operator. Properties: the only exception is the documented
 * {@link IllegalArgumentException} for a non-finite coordinate (or, for rotated boxes, a negative size),
 * and its message names the first bad box and value; every output is finite; and on boxes small enough
 * to sample point by point, roi_align (all modes), roi_pool and rotated roi_align agree with the slow
 * definitions. Seeded, so a failure replays; bounded to a few seconds.
 */
class OperatorPropertyTest {

  private static final long SEED = 0x5EED_0007L;
  private static final int ROUNDS = 1500;
  private static final String[] XYXY = {"x1", "y1", "x2", "y2"};
  private static final String[] ROTATED = {"cx", "cy", "w", "h", "angle"};

  /** Reference checks run only when the slow definition has at most this many samples per box. */
  private static final long REFERENCE_SAMPLE_LIMIT = 5_000;

  private enum Kind { INSIDE, PARTLY_OUTSIDE, OUTSIDE, HUGE, TINY, INVERTED, ZERO, EXTREME, NAN,
    POS_INF, NEG_INF }

  private static Kind kind(Random r) {
    // Non-finite boxes are rarer so that most calls get through to the kernels.
    int k = r.nextInt(100);
    if (k < 3) {
      return Kind.NAN;
    }
    if (k < 5) {
      return Kind.POS_INF;
    }
    if (k < 7) {
      return Kind.NEG_INF;
    }
    Kind[] finite = {Kind.INSIDE, Kind.INSIDE, Kind.PARTLY_OUTSIDE, Kind.OUTSIDE, Kind.HUGE, Kind.TINY,
        Kind.INVERTED, Kind.ZERO, Kind.EXTREME};
    return finite[r.nextInt(finite.length)];
  }

  /** One x1, y1, x2, y2 box in image coordinates for a map of h×w cells at this scale. */
  private static float[] box(Random r, Kind kind, int h, int w, double scale) {
    float iw = (float) (w / scale);
    float ih = (float) (h / scale);
    float x1 = r.nextFloat() * iw;
    float y1 = r.nextFloat() * ih;
    float[] b = switch (kind) {
      case INSIDE -> new float[] {x1, y1, x1 + r.nextFloat() * (iw - x1), y1 + r.nextFloat() * (ih - y1)};
      case PARTLY_OUTSIDE -> new float[] {x1 - iw / 2, y1 - ih / 2, x1 + iw / 2, y1 + ih};
      case OUTSIDE -> new float[] {x1 + 3 * iw, y1 - 5 * ih, x1 + 4 * iw, y1 - 4 * ih};
      case HUGE -> new float[] {-1e30f * r.nextFloat(), -1e30f, 1e30f, 1e30f * r.nextFloat()};
      case TINY -> new float[] {x1, y1, x1 + 1e-6f * r.nextFloat(), y1 + 1e-3f * r.nextFloat()};
      case INVERTED -> new float[] {x1 + 2, y1 + 3, x1 - r.nextFloat() * 5, y1 + r.nextFloat() * 5 - 2};
      case ZERO -> new float[] {x1, y1, x1, y1};
      case EXTREME -> new float[] {-3e38f, r.nextFloat() * -3e38f, 3e38f, 3e38f};
      case NAN, POS_INF, NEG_INF -> new float[] {x1, y1, x1 + 4, y1 + 4};
    };
    if (kind == Kind.NAN || kind == Kind.POS_INF || kind == Kind.NEG_INF) {
      b[r.nextInt(4)] = kind == Kind.NAN ? Float.NaN
          : kind == Kind.POS_INF ? Float.POSITIVE_INFINITY : Float.NEGATIVE_INFINITY;
    }
    return b;
  }

  /** One rotated box (cx, cy, w, h, angle); negative sizes and non-finite values appear too. */
  private static float[] rotatedBox(Random r, Kind kind, int h, int w, double scale) {
    float[] b = box(r, kind == Kind.INVERTED ? Kind.INSIDE : kind, h, w, scale);
    float cx = b[0] / 2 + b[2] / 2;
    float cy = b[1] / 2 + b[3] / 2;
    float bw = Math.abs(b[2] - b[0]);
    float bh = Math.abs(b[3] - b[1]);
    if (kind == Kind.INVERTED) {
      bw = -bw - 1e-3f; // negative sizes are refused, like detectron2's assertion
    }
    float angle = r.nextInt(10) == 0 ? (r.nextBoolean() ? 1e30f : -7.5e20f)
        : r.nextFloat() * 720 - 360;
    float[] out = {cx, cy, bw, bh, angle};
    if (kind == Kind.NAN || kind == Kind.POS_INF || kind == Kind.NEG_INF) {
      // Half of the time put the bad value in the angle, which box() never produces.
      if (r.nextBoolean()) {
        out[4] = kind == Kind.NAN ? Float.NaN : Float.POSITIVE_INFINITY;
      }
      boolean any = false;
      for (float v : out) {
        any |= !Float.isFinite(v);
      }
      if (!any) {
        out[r.nextInt(5)] = Float.NaN;
      }
    }
    return out;
  }

  private static FeatureMap map(Random r, int c, int h, int w) {
    FeatureMap m = RoiAlignModesTest.randomMap(r, c, h, w);
    return r.nextBoolean() ? m : m.toLayout(FeatureMap.Layout.HWC);
  }

  /** Index of the first box with a non-finite coordinate and that coordinate's index, or null. */
  private static int[] firstBad(float[] boxes, int fields) {
    for (int i = 0; i < boxes.length; i++) {
      if (!Float.isFinite(boxes[i])) {
        return new int[] {i / fields, i % fields};
      }
    }
    return null;
  }

  private static void assertFinite(float[] out, String what) {
    for (int i = 0; i < out.length; i++) {
      if (!Float.isFinite(out[i])) {
        throw new AssertionError(what + ": element " + i + " is " + out[i]);
      }
    }
  }

  /** Runs {@code call}; if a box is bad, expects the documented exception naming it instead. */
  /** Milliseconds spent per operator, reported at the end. */
  private static final java.util.Map<String, Long> TIME = new java.util.TreeMap<>();

  private static void check(String op, float[] boxes, int fields, String[] names, String problem,
      Supplier<float[]> call) {
    long t0 = System.nanoTime();
    try {
      checkTimed(op, boxes, fields, names, problem, call);
    } finally {
      TIME.merge(op.split(" ")[0], (System.nanoTime() - t0) / 1_000_000, Long::sum);
    }
  }

  private static void checkTimed(String op, float[] boxes, int fields, String[] names,
      String problem, Supplier<float[]> call) {
    int[] bad = firstBad(boxes, fields);
    if (bad == null && problem == null) {
      assertFinite(call.get(), op + " boxes " + Arrays.toString(boxes));
      return;
    }
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call::get,
        op + " must refuse " + Arrays.toString(boxes));
    String expected = problem != null ? problem
        : "box " + bad[0] + " has a non-finite " + (fields == 4 ? "coordinate" : "value") + ": "
            + names[bad[1]] + "=" + boxes[bad[0] * fields + bad[1]];
    assertTrue(e.getMessage().contains(expected), op + ": message '" + e.getMessage()
        + "' does not say '" + expected + "'");
  }

  /** What RoiAlignRotated must say about the first bad box, worked out field by field; null if none. */
  private static String expectedRotatedProblem(float[] rotated, int n) {
    for (int b = 0; b < n; b++) {
      for (int i = 0; i < 5; i++) {
        float v = rotated[5 * b + i];
        if (!Float.isFinite(v)) {
          return "box " + b + " has a non-finite value: " + ROTATED[i] + "=" + v;
        }
      }
      for (int i = 2; i < 4; i++) {
        if (rotated[5 * b + i] < 0) {
          return "box " + b + " has a negative size: " + ROTATED[i] + "=" + rotated[5 * b + i];
        }
      }
    }
    return null;
  }

  private static boolean small(float[] b, RoiAlignParams p, boolean rotated) {
    for (float v : b) {
      if (!(Math.abs(v) <= 1e4)) {
        return false;
      }
    }
    float s = (float) p.spatialScale();
    float rh = rotated ? b[3] * s : Math.max(Math.abs(b[3] - b[1]) * s, 1);
    float rw = rotated ? b[2] * s : Math.max(Math.abs(b[2] - b[0]) * s, 1);
    long gh = RoiGeometry.grid(p.samplingRatio(), rh, p.pooledHeight());
    long gw = RoiGeometry.grid(p.samplingRatio(), rw, p.pooledWidth());
    return gh * gw * p.pooledHeight() * p.pooledWidth() <= REFERENCE_SAMPLE_LIMIT;
  }

  /** A generous bound for a hung or runaway operator, not a performance assertion. */
  @Test
  @Timeout(value = 10, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  void everyOperatorOnRandomBoxes() {
    Random r = new Random(SEED);
    long start = System.nanoTime();
    int referenceChecks = 0;
    int refused = 0;
    PoolingMode[] modes = PoolingMode.values();
    double[] scales = {1, 0.5, 0.25, 0.125, 0.3, 2};
    Semantics[] presets = {Semantics.TORCHVISION, Semantics.DETECTRON2, Semantics.MMDET,
        Semantics.ONNX};
    for (int round = 0; round < ROUNDS; round++) {
      int h = 1 + r.nextInt(12);
      int w = 1 + r.nextInt(12);
      int c = 1 + r.nextInt(3);
      double scale = scales[r.nextInt(scales.length)];
      int ph = 1 + r.nextInt(5);
      int pw = 1 + r.nextInt(5);
      int sr = r.nextInt(10) == 0 ? 12 : r.nextInt(5) - 1;
      FeatureMap m = map(r, c, h, w);
      int n = 1 + r.nextInt(5);
      float[] boxes = new float[4 * n];
      float[] rotated = new float[5 * n];
      for (int b = 0; b < n; b++) {
        System.arraycopy(box(r, kind(r), h, w, scale), 0, boxes, 4 * b, 4);
        System.arraycopy(rotatedBox(r, kind(r), h, w, scale), 0, rotated, 5 * b, 5);
      }
      String ctx = " (round " + round + ", " + m + ")";
      RoiAlignParams align = new RoiAlignParams(ph, pw, scale, sr, r.nextBoolean(),
          modes[r.nextInt(modes.length)]);
      RoiPoolParams pool = new RoiPoolParams(ph, pw, scale);
      FeatureMap psMap = map(r, ph * pw * (1 + r.nextInt(2)), h, w);

      check("roi_align " + align + ctx, boxes, 4, XYXY, null, () -> RoiAlign.forward(m, boxes, align));
      check("roi_pool " + ctx, boxes, 4, XYXY, null, () -> RoiPool.forward(m, boxes, pool));
      check("ps_roi_align " + ctx, boxes, 4, XYXY, null,
          () -> PsRoiAlign.forward(psMap, boxes, align));
      check("ps_roi_pool " + ctx, boxes, 4, XYXY, null, () -> PsRoiPool.forward(psMap, boxes, pool));

      Semantics preset = presets[r.nextInt(presets.length)].withSamplingRatio(sr);
      int levels = 1 + r.nextInt(3);
      double[] levelScales = new double[levels];
      FeatureMap[] levelMaps = new FeatureMap[levels];
      for (int l = 0; l < levels; l++) {
        levelScales[l] = Math.scalb(1.0, -2 - l);
        levelMaps[l] = map(r, c, Math.max(1, 32 >> (l + 2)), Math.max(1, 40 >> (l + 2)));
      }
      MultiScaleRoiAlign ms = MultiScaleRoiAlign.of(preset, levelScales, ph, pw,
          r.nextBoolean() ? PoolingMode.AVG : preset.maxMode());
      check("multiscale " + preset + ctx, boxes, 4, XYXY, null, () -> {
        float[] out = new float[n * ms.rowLength(c)];
        ms.forward(levelMaps, boxes, 0, n, out, 0, null, 0);
        return out;
      });

      RoiAlignParams rot = RoiAlignRotated.params(ph, pw, scale, sr);
      String rotatedProblem = expectedRotatedProblem(rotated, n);
      check("roi_align_rotated " + ctx, rotated, 5, ROTATED, rotatedProblem,
          () -> RoiAlignRotated.forward(m, rotated, rot));

      if (firstBad(boxes, 4) == null) {
        for (int b = 0; b < n; b++) {
          float[] one = Arrays.copyOfRange(boxes, 4 * b, 4 * b + 4);
          String what = "box " + Arrays.toString(one) + " " + align + ctx;
          if (small(one, align, false)) {
            float[] want = switch (align.mode()) {
              case AVG -> ReferenceOps.roiAlignAvg(m, one, align);
              case MAX -> ReferenceOps.roiAlignMax(m, one, align);
              case ONNX_MAX -> ReferenceOps.roiAlignOnnxMax(m, one, align);
            };
            RoiAlignRotatedTest.assertClose(want, RoiAlign.forward(m, one, align), 1e-4, what);
            referenceChecks++;
          }
          boolean bounded = true;
          for (float v : one) {
            bounded &= Math.abs(v) <= 1e4;
          }
          if (bounded) {
            RoiAlignRotatedTest.assertClose(ReferenceOps.roiPool(m, one, pool),
                RoiPool.forward(m, one, pool), 0, "roi_pool " + what);
            referenceChecks++;
          }
        }
      } else {
        refused++;
      }
      if (rotatedProblem == null) {
        for (int b = 0; b < n; b++) {
          float[] one = Arrays.copyOfRange(rotated, 5 * b, 5 * b + 5);
          if (small(one, rot, true) && Math.abs(one[4]) <= 720) {
            RoiAlignRotatedTest.assertClose(RoiAlignRotatedTest.reference(m, one, rot),
                RoiAlignRotated.forward(m, one, rot), 1e-4,
                "rotated box " + Arrays.toString(one) + " " + rot + ctx);
            referenceChecks++;
          }
        }
      }
    }
    long ms = (System.nanoTime() - start) / 1_000_000;
    System.out.println("operator properties: " + ROUNDS + " rounds, " + referenceChecks
        + " reference checks, " + refused + " rounds with a refused box, " + ms + " ms; per op "
        + TIME);
    assertTrue(referenceChecks > ROUNDS, "too few reference checks: " + referenceChecks);
    assertTrue(refused > 50, "too few non-finite boxes exercised: " + refused);
  }

  @Test
  void boxCheckAgreesWithTheFacades() {
    // The Spark job routes boxes with BoxCheck/RotatedBoxCheck; the facades must refuse the same ones.
    Random r = new Random(SEED + 1);
    FeatureMap m = RoiAlignModesTest.randomMap(r, 2, 5, 6);
    for (int i = 0; i < 2000; i++) {
      float[] b = box(r, kind(r), 5, 6, 1.0);
      String problem = BoxCheck.problem(b, 0);
      if (problem == null) {
        assertEquals(8, RoiAlign.forward(m, b, RoiAlignParams.of(2, 2, 1, 2, true)).length);
      } else {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> RoiAlign.forward(m, b, RoiAlignParams.of(2, 2, 1, 2, true)));
        assertEquals("box 0 " + problem, e.getMessage());
      }
      float[] rb = rotatedBox(r, kind(r), 5, 6, 1.0);
      String rotatedProblem = RotatedBoxCheck.problem(rb, 0);
      if (rotatedProblem == null) {
        assertEquals(8, RoiAlignRotated.forward(m, rb, RoiAlignRotated.params(2, 2, 1, 2)).length);
      } else {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> RoiAlignRotated.forward(m, rb, RoiAlignRotated.params(2, 2, 1, 2)));
        assertEquals("box 0 " + rotatedProblem, e.getMessage());
      }
    }
  }
}
