package org.roifeatures.ops;

/**
 * Plain-Java kernels: always available, any layout, the reference the vectorised kernels are tested
 * against. Loops mirror torchvision's CPU kernels so the float results match them bit for bit where
 * the reference is defined.
 */
final class DefaultRoiKernels implements RoiKernels {

  static final DefaultRoiKernels INSTANCE = new DefaultRoiKernels();

  private DefaultRoiKernels() {}

  @Override
  public String name() {
    return "scalar";
  }

  @Override
  public void roiAlignRotated(FeatureMap map, float[] boxes, int boxOffset, int numBoxes,
      RoiAlignParams params, float[] out, int outOffset) {
    RotatedRoiAlignKernel.forward(map, boxes, boxOffset, numBoxes, params, out, outOffset,
        RotatedSamplePlan.DIRECT_LIMIT);
  }

  /** CHW: the scalar kernels read one channel plane at a time, which CHW keeps compact in cache. */
  @Override
  public FeatureMap prepare(FeatureMap map, float[] reuse) {
    return map.toLayout(FeatureMap.Layout.CHW);
  }

  @Override
  public void roiAlign(FeatureMap map, float[] boxes, int boxOffset, int numBoxes,
      RoiAlignParams params, float[] out, int outOffset) {
    final int channels = map.channels();
    final int ph = params.pooledHeight();
    final int pw = params.pooledWidth();
    final int bins = ph * pw;
    final SamplePlan plan = new SamplePlan();
    for (int b = 0; b < numBoxes; b++) {
      float count = planAlignRoi(map.height(), map.width(), map.pixelStride(), boxes,
          boxOffset + 4 * b, params, plan);
      int rowOut = outOffset + b * channels * bins;
      switch (params.mode()) {
        case AVG -> {
          for (int c = 0; c < channels; c++) {
            averageBins(map, c, plan, count, out, rowOut + c * bins);
          }
        }
        case MAX -> {
          for (int c = 0; c < channels; c++) {
            maxInterpolatedBins(map, c, plan, bins, out, rowOut + c * bins);
          }
        }
        case ONNX_MAX -> {
          for (int c = 0; c < channels; c++) {
            maxCornerBins(map, c, plan, bins, out, rowOut + c * bins);
          }
        }
        default -> throw new AssertionError(params.mode());
      }
    }
  }

  /**
   * Plans the RoI Align samples of the box at {@code boxes[bo..bo+3]} into {@code plan} on a map of
   * {@code height × width} cells, and returns the average's divisor {@code max(gridH·gridW, 1)} (an
   * empty grid divides by 1, giving 0 rather than NaN). torchvision's float32 arithmetic in its order;
   * the vector kernels plan with this too, so both read the same sample points.
   */
  static float planAlignRoi(int height, int width, int pixelStride, float[] boxes, int bo,
      RoiAlignParams params, SamplePlan plan) {
    final int ph = params.pooledHeight();
    final int pw = params.pooledWidth();
    final float scale = (float) params.spatialScale();
    final float shift = params.aligned() ? 0.5f : 0f;
    float startW = boxes[bo] * scale - shift;
    float startH = boxes[bo + 1] * scale - shift;
    float roiW = (boxes[bo + 2] * scale - shift) - startW;
    float roiH = (boxes[bo + 3] * scale - shift) - startH;
    if (!params.aligned()) {
      // Legacy mode forces malformed RoIs to 1x1 cells.
      roiW = Math.max(roiW, 1f);
      roiH = Math.max(roiH, 1f);
    }
    float binH = roiH / ph;
    float binW = roiW / pw;
    int gridH = RoiGeometry.grid(params.samplingRatio(), roiH, ph);
    int gridW = RoiGeometry.grid(params.samplingRatio(), roiW, pw);
    plan.build(height, width, pixelStride, ph, pw, startH, startW, binH, binW, gridH, gridW,
        params.mode() != PoolingMode.AVG || RoiKernelsProvider.REFERENCE_SUMMATION);
    return Math.max((float) ((long) gridH * gridW), 1f);
  }

  /**
   * Mean of the interpolated samples of each bin, summed over the bin's distinct cells with their
   * summed weights (see {@link SamplePlan}). Samples off the map were dropped (they add 0). The vector
   * kernels do these operations in this order per lane.
   */
  static void averageBins(FeatureMap map, int c, SamplePlan plan, float count, float[] out,
      int at) {
    final float[] d = map.data();
    final int base = map.channelBase(c);
    final int bins = plan.pooledHeight * plan.pooledWidth;
    if (RoiKernelsProvider.REFERENCE_SUMMATION) {
      sampleAverageBins(d, base, plan, bins, count, out, at);
      return;
    }
    final float reciprocal = SamplePlan.exactReciprocal(count);
    for (int bin = 0; bin < bins; bin++) {
      float sum = cellSum(d, base, plan, bin);
      out[at + bin] = reciprocal != 0f ? sum * reciprocal : sum / count;
    }
  }

  /**
   * One channel's bin means (channel data from {@code base}) into {@code out[at..at+bins)} in the
   * per-sample order: torchvision's RoI Align ({@code -Droifeatures.align.summation=reference}) and
   * detectron2's rotated RoI Align.
   */
  static void sampleAverageBins(float[] d, int base, BinSamples plan, int bins, float count,
      float[] out, int at) {
    for (int bin = 0; bin < bins; bin++) {
      out[at + bin] = sampleSum(d, base, plan, bin) / count;
    }
  }

  /**
   * torchvision's sum for one bin ({@code -Droifeatures.align.summation=reference}): per sample its
   * four weighted corners left to right, then sample after sample. Needs the per-sample plan.
   */
  static float sampleSum(float[] d, int base, BinSamples plan, int bin) {
    float acc = 0f;
    for (int s = plan.binStart[bin], e = plan.binStart[bin + 1]; s < e; s++) {
      acc += interpolated(d, base, plan, s);
    }
    return acc;
  }

  /** Sample {@code s}'s bilinear value: its four weighted corners summed left to right. */
  private static float interpolated(float[] d, int base, BinSamples plan, int s) {
    return plan.w1[s] * d[base + plan.pos1[s]] + plan.w2[s] * d[base + plan.pos2[s]]
        + plan.w3[s] * d[base + plan.pos3[s]] + plan.w4[s] * d[base + plan.pos4[s]];
  }

  /**
   * {@code Σ W[i] · d[base + offset[i]]} over bin {@code bin}'s distinct cells, in plan order; 0
   * when it has none.
   */
  static float cellSum(float[] d, int base, SamplePlan plan, int bin) {
    final int[] offsets = plan.binCellOffset;
    final float[] weights = plan.binCellWeight;
    float acc = 0f;
    for (int i = plan.binCellStart[bin], e = plan.binCellStart[bin + 1]; i < e; i++) {
      acc += weights[i] * d[base + offsets[i]];
    }
    return acc;
  }

  /** Max of the interpolated samples; a sample off the map counts as 0; no samples gives 0. */
  static void maxInterpolatedBins(FeatureMap map, int c, SamplePlan plan, int bins,
      float[] out, int at) {
    final float[] d = map.data();
    final int base = map.channelBase(c);
    for (int bin = 0; bin < bins; bin++) {
      int s = plan.binStart[bin];
      int e = plan.binStart[bin + 1];
      float best = plan.complete[bin] && e > s ? Float.NEGATIVE_INFINITY : 0f;
      for (; s < e; s++) {
        float v = interpolated(d, base, plan, s);
        if (v > best) {
          best = v;
        }
      }
      out[at + bin] = best;
    }
  }

  /**
   * ONNX's max: per sample the largest weighted corner term, then the largest over samples. A sample
   * off the map has all weights 0 and so contributes 0; no samples gives 0.
   */
  static void maxCornerBins(FeatureMap map, int c, SamplePlan plan, int bins, float[] out,
      int at) {
    final float[] d = map.data();
    final int base = map.channelBase(c);
    for (int bin = 0; bin < bins; bin++) {
      int s = plan.binStart[bin];
      int e = plan.binStart[bin + 1];
      float best = plan.complete[bin] && e > s ? Float.NEGATIVE_INFINITY : 0f;
      for (; s < e; s++) {
        float v = Math.max(Math.max(Math.max(plan.w1[s] * d[base + plan.pos1[s]],
            plan.w2[s] * d[base + plan.pos2[s]]), plan.w3[s] * d[base + plan.pos3[s]]),
            plan.w4[s] * d[base + plan.pos4[s]]);
        if (v > best) {
          best = v;
        }
      }
      out[at + bin] = best;
    }
  }

  @Override
  public void psRoiAlign(FeatureMap map, float[] boxes, int boxOffset, int numBoxes,
      RoiAlignParams params, float[] out, int outOffset) {
    final int ph = params.pooledHeight();
    final int pw = params.pooledWidth();
    final int bins = ph * pw;
    final int channelsOut = map.channels() / bins;
    final SamplePlan plan = new SamplePlan();
    final float scale = (float) params.spatialScale();
    final float[] d = map.data();
    for (int b = 0; b < numBoxes; b++) {
      int bo = boxOffset + 4 * b;
      // torchvision's PS RoI Align always uses the half-pixel shift and never clamps the RoI size.
      float startW = boxes[bo] * scale - 0.5f;
      float startH = boxes[bo + 1] * scale - 0.5f;
      float roiW = (boxes[bo + 2] * scale - 0.5f) - startW;
      float roiH = (boxes[bo + 3] * scale - 0.5f) - startH;
      float binH = roiH / ph;
      float binW = roiW / pw;
      int gridH = RoiGeometry.grid(params.samplingRatio(), roiH, ph);
      int gridW = RoiGeometry.grid(params.samplingRatio(), roiW, pw);
      plan.build(map.height(), map.width(), map.pixelStride(), ph, pw, startH, startW, binH, binW,
          gridH, gridW, RoiKernelsProvider.REFERENCE_SUMMATION);
      // torchvision divides by gridH*gridW even when it is 0 (NaN); an empty grid yields 0 here.
      float count = Math.max((float) ((long) gridH * gridW), 1f);
      int rowOut = outOffset + b * channelsOut * bins;
      for (int co = 0; co < channelsOut; co++) {
        for (int bin = 0; bin < bins; bin++) {
          // Bin (ph, pw) of output channel co reads input channel (co*PH + ph)*PW + pw.
          int base = map.channelBase(co * bins + bin);
          float sum = RoiKernelsProvider.REFERENCE_SUMMATION ? sampleSum(d, base, plan, bin)
              : cellSum(d, base, plan, bin);
          out[rowOut + co * bins + bin] = sum / count;
        }
      }
    }
  }

  @Override
  public void roiPool(FeatureMap map, float[] boxes, int boxOffset, int numBoxes,
      RoiPoolParams params, float[] out, int outOffset) {
    final int channels = map.channels();
    final int ph = params.pooledHeight();
    final int pw = params.pooledWidth();
    final int bins = ph * pw;
    final int[] hStart = new int[ph];
    final int[] hEnd = new int[ph];
    final int[] wStart = new int[pw];
    final int[] wEnd = new int[pw];
    for (int b = 0; b < numBoxes; b++) {
      poolBins(map.height(), map.width(), boxes, boxOffset + 4 * b, params, hStart, hEnd, wStart,
          wEnd);
      int rowOut = outOffset + b * channels * bins;
      for (int c = 0; c < channels; c++) {
        maxPoolBins(map, c, hStart, hEnd, wStart, wEnd, out, rowOut + c * bins);
      }
    }
  }

  /**
   * RoI Pool's bins for the box at {@code boxes[bo..bo+3]} on a {@code height × width} map: corners
   * scaled and rounded half away from zero, inclusive end (a box from cell 2 to cell 4 spans 3
   * cells), malformed RoIs 1×1, floor/ceil edges clamped to the map; written into the four arrays.
   * The vector kernels use this too, so both pool the same cells.
   */
  static void poolBins(int height, int width, float[] boxes, int bo, RoiPoolParams params,
      int[] hStart, int[] hEnd, int[] wStart, int[] wEnd) {
    final int ph = params.pooledHeight();
    final int pw = params.pooledWidth();
    final float scale = (float) params.spatialScale();
    long startW = RoiGeometry.roundHalfAway(boxes[bo] * scale);
    long startH = RoiGeometry.roundHalfAway(boxes[bo + 1] * scale);
    long endW = RoiGeometry.roundHalfAway(boxes[bo + 2] * scale);
    long endH = RoiGeometry.roundHalfAway(boxes[bo + 3] * scale);
    float binH = (float) Math.max(endH - startH + 1, 1) / ph;
    float binW = (float) Math.max(endW - startW + 1, 1) / pw;
    quantisedBins(ph, binH, startH, height, hStart, hEnd);
    quantisedBins(pw, binW, startW, width, wStart, wEnd);
  }

  /** floor/ceil bin edges offset by the RoI start and clamped to [0, limit]. */
  static void quantisedBins(int pooled, float bin, long start, int limit,
      int[] from, int[] to) {
    for (int p = 0; p < pooled; p++) {
      from[p] = RoiGeometry.clamp(RoiGeometry.floorTimes(p, bin) + start, 0, limit);
      to[p] = RoiGeometry.clamp(RoiGeometry.ceilTimes(p + 1, bin) + start, 0, limit);
    }
  }

  /** Max over each bin's cells; an empty bin is 0. */
  static void maxPoolBins(FeatureMap map, int c, int[] hStart, int[] hEnd, int[] wStart,
      int[] wEnd, float[] out, int at) {
    final float[] d = map.data();
    final int base = map.channelBase(c);
    final int width = map.width();
    final int px = map.pixelStride();
    final int pw = wStart.length;
    for (int i = 0; i < hStart.length; i++) {
      for (int j = 0; j < pw; j++) {
        boolean empty = hEnd[i] <= hStart[i] || wEnd[j] <= wStart[j];
        float best = empty ? 0f : -Float.MAX_VALUE;
        for (int h = hStart[i]; h < hEnd[i]; h++) {
          int row = base + h * width * px;
          for (int w = wStart[j]; w < wEnd[j]; w++) {
            float v = d[row + w * px];
            if (v > best) {
              best = v;
            }
          }
        }
        out[at + i * pw + j] = best;
      }
    }
  }

  @Override
  public void psRoiPool(FeatureMap map, float[] boxes, int boxOffset, int numBoxes,
      RoiPoolParams params, float[] out, int outOffset) {
    final int ph = params.pooledHeight();
    final int pw = params.pooledWidth();
    final int bins = ph * pw;
    final int channelsOut = map.channels() / bins;
    final int[] hStart = new int[ph];
    final int[] hEnd = new int[ph];
    final int[] wStart = new int[pw];
    final int[] wEnd = new int[pw];
    final float scale = (float) params.spatialScale();
    final float[] d = map.data();
    final int width = map.width();
    final int px = map.pixelStride();
    for (int b = 0; b < numBoxes; b++) {
      int bo = boxOffset + 4 * b;
      long startW = RoiGeometry.roundHalfAway(boxes[bo] * scale);
      long startH = RoiGeometry.roundHalfAway(boxes[bo + 1] * scale);
      long endW = RoiGeometry.roundHalfAway(boxes[bo + 2] * scale);
      long endH = RoiGeometry.roundHalfAway(boxes[bo + 3] * scale);
      // Unlike roi_pool, torchvision's PS variant uses an exclusive end and clamps edges to size-1.
      float binH = (float) Math.max(endH - startH, 1) / ph;
      float binW = (float) Math.max(endW - startW, 1) / pw;
      quantisedBins(ph, binH, startH, map.height() - 1, hStart, hEnd);
      quantisedBins(pw, binW, startW, map.width() - 1, wStart, wEnd);
      int rowOut = outOffset + b * channelsOut * bins;
      for (int co = 0; co < channelsOut; co++) {
        for (int i = 0; i < ph; i++) {
          for (int j = 0; j < pw; j++) {
            int bin = i * pw + j;
            int base = map.channelBase(co * bins + bin);
            boolean empty = hEnd[i] <= hStart[i] || wEnd[j] <= wStart[j];
            float sum = 0f;
            for (int h = hStart[i]; h < hEnd[i]; h++) {
              int row = base + h * width * px;
              for (int w = wStart[j]; w < wEnd[j]; w++) {
                sum += d[row + w * px];
              }
            }
            float area = (float) ((hEnd[i] - hStart[i]) * (wEnd[j] - wStart[j]));
            out[rowOut + co * bins + bin] = empty ? 0f : sum / area;
          }
        }
      }
    }
  }
}
