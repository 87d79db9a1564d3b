package org.roifeatures.ops;

import java.util.Arrays;

/**
 * The bilinear sample points of one RoI: for every output bin, the four map cells each sample reads and
 * their weights. Built once per RoI and shared by all channels (torchvision's
 * {@code pre_calc_for_bilinear_interpolate}); reused from RoI to RoI, so the steady state allocates
 * nothing.
 *
 * <p>Arithmetic follows torchvision's float32 code operation by operation: sample coordinates are
 * {@code (start + p·bin) + (i + 0.5f)·bin / grid}, and weights are products of per-axis fractions.
 * Because sample weights factor into a y part and an x part, the plan is built per axis first, which
 * also lets a huge RoI skip its samples that fall outside the map (they contribute exactly zero) without
 * visiting them one by one.
 *
 * <p>The same factoring makes the average separable: a bin's mean is
 * {@code Σ_cells Wy[r]·Wx[c] · v[r][c] / count} over its distinct cells, where {@code Wy[r]} sums the
 * y weights of every sample on row r and {@code Wx[c]} the x weights of every sample on column c (a
 * sample off the map in either axis adds nothing to either sum). Neighbouring samples share rows and
 * columns, so a bin reads each of its distinct cells once instead of four corners per sample: 2.0–2.2×
 * fewer reads for FPN heads (7×7, two samples per axis), 1.5× for C4 (14×14, adaptive). The per-axis
 * cell lists ({@link Axis#buildCells}) are multiplied out into one flat list of (offset, weight) per
 * bin ({@link #binCellStart}), which is what the average kernels read: one multiply-add per cell in a
 * single loop, the shortest loop the kernels can run. Only the max modes, which take a maximum per
 * sample, need the per-sample arrays. The sums run in another order than torchvision's per-sample
 * sums, so averages differ from it by float rounding (≈ 1e-7 relative), not more.
 *
 * <p>Not thread-safe: one instance per thread (per operator call).
 */
final class SamplePlan extends BinSamples {

  /** Grids up to this many samples per axis are scanned point by point; larger ones are bisected. */
  static final int LINEAR_SCAN_LIMIT = 4096;

  /** Samples along one axis (rows or columns), grouped by output bin. */
  static final class Axis {
    int[] binStart = new int[8];
    /** Start of each bin's distinct cells in {@link #cellOffset} / {@link #cellWeight}. */
    int[] cellStart = new int[8];
    /** A cell's element offset along this axis: row · width · pixelStride, or column · pixelStride. */
    int[] cellOffset = new int[64];
    /** Sum of the bin's per-sample weights on the cell (rest for a low cell, frac for a high one). */
    float[] cellWeight = new float[64];
    /** Per cell index, the last entry made for it in cellOffset (entries of earlier bins are stale). */
    private int[] slot = new int[64];
    int[] low = new int[64];
    int[] high = new int[64];
    float[] frac = new float[64];
    float[] rest = new float[64];
    int size;

    int validCount(int bin) {
      return binStart[bin + 1] - binStart[bin];
    }

    /**
     * Plans {@code bins} bins of {@code grid} samples each, starting at {@code start} with bin size
     * {@code bin}, on an axis of {@code extent} cells.
     */
    void build(int bins, float start, float bin, int grid, int extent) {
      if (binStart.length < bins + 1) {
        binStart = new int[bins + 1];
      }
      size = 0;
      boolean usable = grid > 0 && Float.isFinite(start) && Float.isFinite(bin);
      for (int p = 0; p < bins; p++) {
        binStart[p] = size;
        if (!usable) {
          continue;
        }
        // Same association as the reference: (start + p*bin) + ((i + .5f) * bin / grid).
        float base = start + p * bin;
        if (!Float.isFinite(base)) {
          continue;
        }
        if (grid <= LINEAR_SCAN_LIMIT) {
          for (int i = 0; i < grid; i++) {
            add(base + (i + .5f) * bin / grid, extent);
          }
        } else {
          addValidRange(base, bin, grid, extent);
        }
      }
      binStart[bins] = size;
    }

    /**
     * Merges each bin's samples into the distinct cells they read, summing the weights every sample
     * puts on a cell (in sample order, low corner before high). A cell read with weight 0 stays in
     * the list, so a NaN or infinity there reaches the result exactly as in the per-sample sum.
     */
    void buildCells(int bins, int extent, int offsetPerCell) {
      if (cellStart.length < bins + 1) {
        cellStart = new int[bins + 1];
      }
      if (cellOffset.length < 2 * size) {
        cellOffset = new int[2 * size];
        cellWeight = new float[2 * size];
      }
      if (slot.length < extent) {
        slot = new int[extent];
      }
      Arrays.fill(slot, 0, extent, -1);
      int n = 0;
      for (int p = 0; p < bins; p++) {
        int from = n;
        cellStart[p] = from;
        for (int s = binStart[p], e = binStart[p + 1]; s < e; s++) {
          n = addCell(low[s], rest[s], from, n, offsetPerCell);
          n = addCell(high[s], frac[s], from, n, offsetPerCell);
        }
      }
      cellStart[bins] = n;
    }

    private int addCell(int cell, float weight, int binFrom, int n, int offsetPerCell) {
      int i = slot[cell];
      if (i >= binFrom) {
        cellWeight[i] += weight;
        return n;
      }
      slot[cell] = n;
      cellOffset[n] = cell * offsetPerCell;
      cellWeight[n] = weight;
      return n + 1;
    }

    /** Adds only the samples inside [-1, extent]; coordinates are monotonic in i, so bisect. */
    private void addValidRange(float base, float bin, int grid, int extent) {
      int from;
      int to;
      if (bin >= 0) {
        from = firstIndex(base, bin, grid, -1f, true);
        to = firstIndex(base, bin, grid, Math.nextUp((float) extent), true);
      } else {
        from = firstIndex(base, bin, grid, (float) extent, false);
        to = firstIndex(base, bin, grid, Math.nextDown(-1f), false);
      }
      for (int i = from; i < to; i++) {
        add(base + (i + .5f) * bin / grid, extent);
      }
    }

    /**
     * First i in [0, grid] whose coordinate is {@code >= bound} (ascending) or {@code <= bound}
     * (descending); grid if none.
     */
    private static int firstIndex(float base, float bin, int grid, float bound, boolean ascending) {
      int lo = 0;
      int hi = grid;
      while (lo < hi) {
        int mid = (lo + hi) >>> 1;
        float v = base + (mid + .5f) * bin / grid;
        boolean past = ascending ? v >= bound : v <= bound;
        if (past) {
          hi = mid;
        } else {
          lo = mid + 1;
        }
      }
      return lo;
    }

    /** torchvision's border rule: outside [-1, extent] contributes nothing, else clamp. */
    private void add(float v, int extent) {
      if (!(v >= -1f && v <= extent)) {
        return;
      }
      if (v <= 0) {
        v = 0;
      }
      int lo = (int) v;
      int hi;
      if (lo >= extent - 1) {
        hi = lo = extent - 1;
        v = (float) lo;
      } else {
        hi = lo + 1;
      }
      if (size == low.length) {
        int n = size * 2;
        low = Arrays.copyOf(low, n);
        high = Arrays.copyOf(high, n);
        frac = Arrays.copyOf(frac, n);
        rest = Arrays.copyOf(rest, n);
      }
      float l = v - lo;
      low[size] = lo;
      high[size] = hi;
      frac[size] = l;
      rest[size] = 1f - l;
      size++;
    }
  }

  final Axis ys = new Axis();
  final Axis xs = new Axis();
  int pooledHeight;
  int pooledWidth;

  /**
   * Start of each bin's distinct cells in {@link #binCellOffset} / {@link #binCellWeight}; bin index
   * is ph·PW + pw. A bin's cells are its rows' cells in row order, each row's in column order.
   */
  int[] binCellStart = new int[64];
  /** A cell's element offset from a channel's first element (row and column, times the pixel stride). */
  int[] binCellOffset = new int[256];
  /** The cell's weight in the bin's sum: its row's summed y weight × its column's summed x weight. */
  float[] binCellWeight = new float[256];

  /** True when every one of the bin's gridH·gridW samples lies on the map (none counted as zero). */
  boolean[] complete = new boolean[64];

  /**
   * Plans one RoI. Positions are element offsets relative to a channel's first element, already
   * multiplied by {@code pixelStride}. Always plans every bin's distinct cells (what the average
   * reads); the per-sample arrays (what the max modes read) only when {@code perSample}.
   */
  void build(int height, int width, int pixelStride, int pooledHeight, int pooledWidth,
      float startH, float startW, float binH, float binW, int gridH, int gridW, boolean perSample) {
    this.pooledHeight = pooledHeight;
    this.pooledWidth = pooledWidth;
    ys.build(pooledHeight, startH, binH, gridH, height);
    xs.build(pooledWidth, startW, binW, gridW, width);
    ys.buildCells(pooledHeight, height, width * pixelStride);
    xs.buildCells(pooledWidth, width, pixelStride);
    buildBinCells(pooledHeight, pooledWidth);
    if (perSample) {
      buildSamples(width, pixelStride, pooledHeight, pooledWidth, gridH, gridW);
    }
  }

  /** Multiplies the per-axis cells out into each bin's flat (offset, weight) list. */
  private void buildBinCells(int pooledHeight, int pooledWidth) {
    int bins = pooledHeight * pooledWidth;
    if (binCellStart.length < bins + 1) {
      binCellStart = new int[bins + 1];
    }
    // Every row cell of a bin row meets every column cell of a bin column exactly once.
    long total = (long) ys.cellStart[pooledHeight] * xs.cellStart[pooledWidth];
    if (total > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException(
          "RoI covers " + total + " cells in all bins; reduce sampling_ratio");
    }
    if (total > binCellOffset.length) {
      int n = (int) Math.max(total, Math.min(Integer.MAX_VALUE - 8, binCellOffset.length * 2L));
      binCellOffset = new int[n];
      binCellWeight = new float[n];
    }
    int n = 0;
    int bin = 0;
    for (int ph = 0; ph < pooledHeight; ph++) {
      int rFrom = ys.cellStart[ph];
      int rTo = ys.cellStart[ph + 1];
      for (int pw = 0; pw < pooledWidth; pw++, bin++) {
        binCellStart[bin] = n;
        int kFrom = xs.cellStart[pw];
        int kTo = xs.cellStart[pw + 1];
        for (int r = rFrom; r < rTo; r++) {
          int row = ys.cellOffset[r];
          float wy = ys.cellWeight[r];
          for (int k = kFrom; k < kTo; k++) {
            binCellOffset[n] = row + xs.cellOffset[k];
            binCellWeight[n] = wy * xs.cellWeight[k];
            n++;
          }
        }
      }
    }
    binCellStart[bins] = n;
  }

  /**
   * {@code 1 / count} when dividing by {@code count} and multiplying by it round identically (count
   * a power of two: the reciprocal is exact, so both are the same real number rounded once), else 0.
   * Lets the average kernels replace most divisions (11–18 cycles each) with a multiply without
   * changing a bit.
   */
  static float exactReciprocal(float count) {
    int bits = Float.floatToRawIntBits(count);
    boolean powerOfTwo = count >= 1f && count < 0x1p100f && (bits & 0x7F_FFFF) == 0;
    return powerOfTwo ? 1f / count : 0f;
  }

  private void buildSamples(int width, int pixelStride, int pooledHeight, int pooledWidth,
      int gridH, int gridW) {
    int bins = pooledHeight * pooledWidth;
    if (binStart.length < bins + 1) {
      binStart = new int[bins + 1];
      complete = new boolean[bins];
    }
    long total = (long) ys.size * xs.size;
    ensureSamples(total);
    int s = 0;
    for (int ph = 0; ph < pooledHeight; ph++) {
      int yFrom = ys.binStart[ph];
      int yTo = ys.binStart[ph + 1];
      boolean rowsComplete = yTo - yFrom == gridH;
      for (int pw = 0; pw < pooledWidth; pw++) {
        int bin = ph * pooledWidth + pw;
        binStart[bin] = s;
        int xFrom = xs.binStart[pw];
        int xTo = xs.binStart[pw + 1];
        complete[bin] = rowsComplete && xTo - xFrom == gridW;
        for (int iy = yFrom; iy < yTo; iy++) {
          int rowLow = ys.low[iy] * width;
          int rowHigh = ys.high[iy] * width;
          float ly = ys.frac[iy];
          float hy = ys.rest[iy];
          for (int ix = xFrom; ix < xTo; ix++) {
            float lx = xs.frac[ix];
            float hx = xs.rest[ix];
            pos1[s] = (rowLow + xs.low[ix]) * pixelStride;
            pos2[s] = (rowLow + xs.high[ix]) * pixelStride;
            pos3[s] = (rowHigh + xs.low[ix]) * pixelStride;
            pos4[s] = (rowHigh + xs.high[ix]) * pixelStride;
            w1[s] = hy * hx;
            w2[s] = hy * lx;
            w3[s] = ly * hx;
            w4[s] = ly * lx;
            s++;
          }
        }
      }
    }
    binStart[bins] = s;
    size = s;
  }

  private void ensureSamples(long total) {
    if (total > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException("RoI needs " + total + " sample points; reduce sampling_ratio");
    }
    if (total > pos1.length) {
      int n = (int) Math.max(total, Math.min(Integer.MAX_VALUE - 8, pos1.length * 2L));
      pos1 = new int[n];
      pos2 = new int[n];
      pos3 = new int[n];
      pos4 = new int[n];
      w1 = new float[n];
      w2 = new float[n];
      w3 = new float[n];
      w4 = new float[n];
    }
  }
}
