package org.roifeatures.ops;

import java.util.Arrays;

/**
 * The bilinear sample points of one rotated RoI, grouped by output bin: the four map cells each sample
 * reads and their weights, shared by all channels (detectron2's {@code pre_calc_for_bilinear_interpolate}
 * of {@code ROIAlignRotated}).
 *
 * <p>Arithmetic is float32 in detectron2's order. In the RoI's own frame, relative to its centre,
 * {@code yy = (startH + ph·binH) + (iy + 0.5f)·binH / gridH} (and {@code xx} likewise), then the point is
 * rotated and translated: {@code y = (yy·cos − xx·sin) + cy}, {@code x = (yy·sin + xx·cos) + cx}.
 * Samples outside [-1, H] × [-1, W], or at a non-finite position, contribute nothing and are not stored;
 * the others are clamped to the border as in the axis-aligned op. (detectron2 stores such samples with
 * weight 0, which adds exactly +0 to a sum that starts at +0, so the sums are the same bits.)
 *
 * <p>Small RoIs are scanned point by point. When a RoI has more than {@link #DIRECT_LIMIT} samples
 * (huge boxes with the adaptive ratio, or a large fixed ratio) only the samples that can land on the
 * map are visited: rows are bounded conservatively by the inverse rotation plus a rounding margin, and
 * within a row y and x are monotone in the column index (compositions of correctly rounded monotone
 * operations), so the valid columns are found by bisection. Both paths evaluate every stored sample with
 * the same expression, so they store the same samples in the same order.
 *
 * <p>Not thread-safe: one instance per thread (per operator call).
 */
final class RotatedSamplePlan extends BinSamples {

  /** RoIs with at most this many sample points are scanned point by point. */
  static final int DIRECT_LIMIT = 1 << 16;


  private int height;
  private int width;
  private int pixelStride;
  private float cosT;
  private float sinT;
  private float cy;
  private float cx;

  /**
   * Plans one RoI. Positions are element offsets relative to a channel's first element, already
   * multiplied by {@code pixelStride}.
   *
   * <p>{@code cy, cx} are the RoI centre on the map (after scale and the −0.5 shift); {@code startH,
   * startW} are −roiH/2 and −roiW/2; {@code directLimit} is the sample count above which the pruned
   * scan is used ({@link #DIRECT_LIMIT} in production, other values in tests).
   */
  void build(int height, int width, int pixelStride, int pooledHeight, int pooledWidth, float cy,
      float cx, float startH, float startW, float binH, float binW, int gridH, int gridW,
      float cosT, float sinT, int directLimit) {
    this.height = height;
    this.width = width;
    this.pixelStride = pixelStride;
    this.cosT = cosT;
    this.sinT = sinT;
    this.cy = cy;
    this.cx = cx;
    int bins = pooledHeight * pooledWidth;
    if (binStart.length < bins + 1) {
      binStart = new int[bins + 1];
    }
    size = 0;
    // In double: two saturated grids of 2^31 - 1 times the bins would overflow a long.
    double total = (double) gridH * gridW * bins;
    boolean direct = total <= directLimit;
    Bounds bounds = direct ? null : bounds(height, width, cy, cx, cosT, sinT);
    for (int ph = 0; ph < pooledHeight; ph++) {
      for (int pw = 0; pw < pooledWidth; pw++) {
        binStart[ph * pooledWidth + pw] = size;
        if (gridH <= 0 || gridW <= 0) {
          continue;
        }
        // Same association as the reference: (start + p*bin) + ((i + .5f) * bin / grid).
        float baseH = startH + ph * binH;
        float baseW = startW + pw * binW;
        if (direct) {
          for (int iy = 0; iy < gridH; iy++) {
            float yy = baseH + (iy + .5f) * binH / gridH;
            for (int ix = 0; ix < gridW; ix++) {
              add(yy, baseW + (ix + .5f) * binW / gridW);
            }
          }
        } else {
          addPruned(baseH, binH, gridH, baseW, binW, gridW, bounds);
        }
      }
    }
    binStart[bins] = size;
  }

  /** The rectangle of RoI-frame coordinates (yy, xx) that can reach the map, widened for rounding. */
  private record Bounds(double yyLo, double yyHi, double xxLo, double xxHi) {}

  private static Bounds bounds(int height, int width, float cy, float cx, float cosT, float sinT) {
    // Exact inverse of the rotation by the float cos/sin (their squares need not sum to 1).
    double c = cosT;
    double s = sinT;
    double det = c * c + s * s;
    double yyLo = Double.POSITIVE_INFINITY;
    double yyHi = Double.NEGATIVE_INFINITY;
    double xxLo = Double.POSITIVE_INFINITY;
    double xxHi = Double.NEGATIVE_INFINITY;
    for (double y : new double[] {-1, height}) {
      for (double x : new double[] {-1, width}) {
        double dy = y - cy;
        double dx = x - cx;
        double yy = (dy * c + dx * s) / det;
        double xx = (dx * c - dy * s) / det;
        yyLo = Math.min(yyLo, yy);
        yyHi = Math.max(yyHi, yy);
        xxLo = Math.min(xxLo, xx);
        xxHi = Math.max(xxHi, xx);
      }
    }
    // A point that lands on the map in float32 has |yy| + |xx| <= about 2D, D = |cx| + |cy| + H + W + 2,
    // and the float32 rotation (two products, a sum, the translation) is off by at most ~4 ulps of D,
    // i.e. 2^-22·D, which the inverse rotation stretches by at most 1.5. 2^-19·D + 1 is 5x that.
    double margin = 1 + Math.scalb(Math.abs((double) cx) + Math.abs((double) cy) + height + width + 2,
        -19);
    return new Bounds(yyLo - margin, yyHi + margin, xxLo - margin, xxHi + margin);
  }

  /** Adds the samples of one bin that can land on the map, in row-major order. */
  private void addPruned(float baseH, float binH, int gridH, float baseW, float binW, int gridW,
      Bounds b) {
    // Rows: yy is non-decreasing in iy (binH >= 0); keep finite rows inside [yyLo, yyHi].
    int rowEnd = firstWhere(gridH, iy -> !Float.isFinite(baseH + (iy + .5f) * binH / gridH));
    int rowFrom = firstWhere(rowEnd, iy -> baseH + (iy + .5f) * binH / gridH >= b.yyLo);
    int rowTo = firstWhere(rowEnd, iy -> baseH + (iy + .5f) * binH / gridH > b.yyHi);
    if (rowFrom >= rowTo) {
      return;
    }
    int colEnd = firstWhere(gridW, ix -> !Float.isFinite(baseW + (ix + .5f) * binW / gridW));
    int colFrom = firstWhere(colEnd, ix -> baseW + (ix + .5f) * binW / gridW >= b.xxLo);
    int colTo = firstWhere(colEnd, ix -> baseW + (ix + .5f) * binW / gridW > b.xxHi);
    if (colFrom >= colTo) {
      return;
    }
    // In huge grids many consecutive rows share one float yy ((iy + .5f) rounds to the same value), and
    // their valid columns depend on yy alone: bisect once per distinct yy.
    float lastYy = Float.NaN;
    int from = 0;
    int to = 0;
    for (int iy = rowFrom; iy < rowTo; iy++) {
      float yy = baseH + (iy + .5f) * binH / gridH;
      if (Float.floatToRawIntBits(yy) == Float.floatToRawIntBits(lastYy)) {
        for (int ix = from; ix < to; ix++) {
          add(yy, baseW + (ix + .5f) * binW / gridW);
        }
        continue;
      }
      lastYy = yy;
      float yc = yy * cosT;
      float ys = yy * sinT;
      // Within the row, y = (yc - xx*sin) + cy and x = (ys + xx*cos) + cx are monotone in ix.
      IntToFloat y = ix -> (yc - (baseW + (ix + .5f) * binW / gridW) * sinT) + cy;
      IntToFloat x = ix -> (ys + (baseW + (ix + .5f) * binW / gridW) * cosT) + cx;
      int[] range = monotoneRange(colFrom, colTo, -sinT, y, height);
      from = range[0];
      to = range[1];
      range = monotoneRange(from, to, cosT, x, width);
      from = range[0];
      to = range[1];
      for (int ix = from; ix < to; ix++) {
        add(yy, baseW + (ix + .5f) * binW / gridW);
      }
    }
  }

  /**
   * The index range [from, to) within [lo, hi) where a coordinate that is monotone in the index (in the
   * direction of {@code slope}) lies in [-1, extent].
   */
  private static int[] monotoneRange(int lo, int hi, float slope, IntToFloat coord, int extent) {
    if (lo >= hi) {
      return new int[] {lo, lo};
    }
    if (slope == 0f) {
      // Constant along the row (up to rounding): every column or none, decided per sample by add().
      return new int[] {lo, hi};
    }
    if (slope > 0f) {
      int from = lo + firstWhere(hi - lo, k -> coord.at(lo + k) >= -1f);
      int to = lo + firstWhere(hi - lo, k -> coord.at(lo + k) > extent);
      return new int[] {from, to};
    }
    int from = lo + firstWhere(hi - lo, k -> coord.at(lo + k) <= extent);
    int to = lo + firstWhere(hi - lo, k -> coord.at(lo + k) < -1f);
    return new int[] {from, to};
  }

  @FunctionalInterface
  private interface IntPredicate {
    boolean test(int i);
  }

  @FunctionalInterface
  private interface IntToFloat {
    float at(int i);
  }

  /** First i in [0, n) where a monotone (false…true) predicate holds; n if none. */
  private static int firstWhere(int n, IntPredicate p) {
    int lo = 0;
    int hi = n;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (p.test(mid)) {
        hi = mid;
      } else {
        lo = mid + 1;
      }
    }
    return lo;
  }

  /** Rotates one RoI-frame point onto the map and stores its bilinear corners and weights. */
  private void add(float yy, float xx) {
    float y = (yy * cosT - xx * sinT) + cy;
    float x = (yy * sinT + xx * cosT) + cx;
    // detectron2's border rule; NaN (an infinite RoI-frame coordinate times a zero cos/sin) is off-map.
    if (!(y >= -1f && y <= height && x >= -1f && x <= width)) {
      return;
    }
    if (y < 0) {
      y = 0;
    }
    if (x < 0) {
      x = 0;
    }
    int yLow = (int) y;
    int xLow = (int) x;
    int yHigh;
    int xHigh;
    if (yLow >= height - 1) {
      yHigh = yLow = height - 1;
      y = (float) yLow;
    } else {
      yHigh = yLow + 1;
    }
    if (xLow >= width - 1) {
      xHigh = xLow = width - 1;
      x = (float) xLow;
    } else {
      xHigh = xLow + 1;
    }
    float ly = y - yLow;
    float lx = x - xLow;
    float hy = 1f - ly;
    float hx = 1f - lx;
    ensure(size + 1);
    pos1[size] = (yLow * width + xLow) * pixelStride;
    pos2[size] = (yLow * width + xHigh) * pixelStride;
    pos3[size] = (yHigh * width + xLow) * pixelStride;
    pos4[size] = (yHigh * width + xHigh) * pixelStride;
    w1[size] = hy * hx;
    w2[size] = hy * lx;
    w3[size] = ly * hx;
    w4[size] = ly * lx;
    size++;
  }

  private void ensure(int n) {
    if (n <= pos1.length) {
      return;
    }
    if (pos1.length >= Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException("rotated RoI needs more than " + pos1.length
          + " on-map sample points; reduce sampling_ratio");
    }
    int m = (int) Math.min(Integer.MAX_VALUE - 8, Math.max(n, pos1.length * 2L));
    pos1 = Arrays.copyOf(pos1, m);
    pos2 = Arrays.copyOf(pos2, m);
    pos3 = Arrays.copyOf(pos3, m);
    pos4 = Arrays.copyOf(pos4, m);
    w1 = Arrays.copyOf(w1, m);
    w2 = Arrays.copyOf(w2, m);
    w3 = Arrays.copyOf(w3, m);
    w4 = Arrays.copyOf(w4, m);
  }
}
