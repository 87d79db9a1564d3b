package org.roifeatures.ops;

/**
 * Box-to-grid arithmetic shared by the kernels, written in float32 exactly as torchvision's CPU code
 * does it. Doing the same maths in double moves the last bin of {@code roi_pool} for some RoI widths
 * and drifts {@code roi_align} sample positions in the last bits, so keep every step in float.
 */
final class RoiGeometry {

  /** Quantised RoI coordinates are clamped here so that huge boxes cannot overflow integer maths. */
  static final long QUANTISED_LIMIT = 1L << 40;

  private RoiGeometry() {}

  /** Adaptive sample count {@code ceil(roiSize / pooled)} (float division), or the fixed ratio. */
  static int grid(int samplingRatio, float roiSize, int pooled) {
    if (samplingRatio > 0) {
      return samplingRatio;
    }
    // Java's (int) saturates and maps NaN to 0, where C++ would be undefined.
    return (int) Math.ceil(roiSize / pooled);
  }

  /** C's {@code round(float)}: half away from zero (Java's Math.round rounds half up). */
  static long roundHalfAway(float v) {
    double r = Math.floor(Math.abs((double) v) + 0.5);
    long q = (long) Math.copySign(r, v);
    return Math.max(-QUANTISED_LIMIT, Math.min(QUANTISED_LIMIT, q));
  }

  /** {@code floor(p * bin)} as torchvision computes a quantised bin start (float product). */
  static long floorTimes(int p, float bin) {
    return (long) Math.floor(p * bin);
  }

  /** {@code ceil(p * bin)} as torchvision computes a quantised bin end (float product). */
  static long ceilTimes(int p, float bin) {
    return (long) Math.ceil(p * bin);
  }

  static int clamp(long v, int lo, int hi) {
    return (int) Math.max(lo, Math.min(hi, v));
  }
}
