package org.roifeatures.ops;

/**
 * Scalar kernel of rotated RoI Align (detectron2 {@code ROIAlignRotated}, average mode). Arguments
 * arrive validated. Loops mirror detectron2's CPU forward so float results match its order of
 * operations; see {@link RotatedSamplePlan} for the sample arithmetic.
 */
final class RotatedRoiAlignKernel {

  private RotatedRoiAlignKernel() {}

  /** Writes C·PH·PW floats per box at {@code out[outOffset..]}; boxes are 5 floats each. */
  static void forward(FeatureMap map, float[] boxes, int boxOffset, int numBoxes,
      RoiAlignParams params, float[] out, int outOffset, int directLimit) {
    final int channels = map.channels();
    final int bins = params.pooledHeight() * params.pooledWidth();
    final RotatedSamplePlan plan = new RotatedSamplePlan();
    for (int b = 0; b < numBoxes; b++) {
      float count = planRoi(map.height(), map.width(), map.pixelStride(), boxes,
          boxOffset + RotatedBoxCheck.FIELDS * b, params, plan, directLimit);
      int rowOut = outOffset + b * channels * bins;
      for (int c = 0; c < channels; c++) {
        DefaultRoiKernels.sampleAverageBins(map.data(), map.channelBase(c), plan, bins, count, out,
            rowOut + c * bins);
      }
    }
  }

  /**
   * Plans the rotated box at {@code boxes[bo..bo+4]} on a map of the given size and pixel stride;
   * returns the divisor of its bins' means. The vector kernels plan with this too, so both read the
   * same samples with the same weights.
   */
  static float planRoi(int height, int width, int pixelStride, float[] boxes, int bo,
      RoiAlignParams params, RotatedSamplePlan plan, int directLimit) {
    final int ph = params.pooledHeight();
    final int pw = params.pooledWidth();
    final float scale = (float) params.spatialScale();
    // detectron2's rotated op is always "aligned": the centre moves by -0.5, sizes are not clamped.
    float cx = boxes[bo] * scale - 0.5f;
    float cy = boxes[bo + 1] * scale - 0.5f;
    float roiW = boxes[bo + 2] * scale;
    float roiH = boxes[bo + 3] * scale;
    // Degrees to radians in double (float * M_PI promotes), rounded once to float like the reference.
    float theta = (float) (boxes[bo + 4] * Math.PI / 180.0);
    // The reference calls cos/sin on the float theta and keeps float results; the double cos of the
    // same float, rounded once, is that value except in double-rounding ties (about 1 in 2^29).
    float cosT = (float) Math.cos(theta);
    float sinT = (float) Math.sin(theta);
    float binH = roiH / ph;
    float binW = roiW / pw;
    int gridH = RoiGeometry.grid(params.samplingRatio(), roiH, ph);
    int gridW = RoiGeometry.grid(params.samplingRatio(), roiW, pw);
    // -roi/2 is computed in double by the reference; halving is exact either way.
    float startH = (float) (-roiH / 2.0);
    float startW = (float) (-roiW / 2.0);
    plan.build(height, width, pixelStride, ph, pw, cy, cx, startH, startW, binH, binW, gridH, gridW,
        cosT, sinT, directLimit);
    return Math.max((float) ((long) gridH * gridW), 1f);
  }
}
