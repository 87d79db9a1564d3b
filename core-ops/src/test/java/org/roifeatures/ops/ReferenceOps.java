package org.roifeatures.ops;

/**
 * Slow, obviously correct RoI Align written straight from the definition, in double precision, one
 * sample at a time with no shared tables. Used to check modes the golden files do not cover.
 */
final class ReferenceOps {

  private ReferenceOps() {}

  /** Bilinear value at (y, x) with torchvision's border rule, or null when the sample is off the map. */
  static Double bilinear(FeatureMap m, int c, double y, double x) {
    int h = m.height();
    int w = m.width();
    if (y < -1 || y > h || x < -1 || x > w) {
      return null;
    }
    y = Math.max(y, 0);
    x = Math.max(x, 0);
    int y0 = Math.min((int) y, h - 1);
    int x0 = Math.min((int) x, w - 1);
    int y1 = Math.min(y0 + 1, h - 1);
    int x1 = Math.min(x0 + 1, w - 1);
    double ly = (int) y >= h - 1 ? 0 : y - y0;
    double lx = (int) x >= w - 1 ? 0 : x - x0;
    return (1 - ly) * (1 - lx) * m.get(c, y0, x0) + (1 - ly) * lx * m.get(c, y0, x1)
        + ly * (1 - lx) * m.get(c, y1, x0) + ly * lx * m.get(c, y1, x1);
  }

  /**
   * Samples per bin along one axis. The count is a discrete choice made from float32 values in the
   * reference: {@code ceil(roiSize / pooled)} of the float RoI size. Taking it from the double size would
   * pick another count whenever roiSize / pooled lies within rounding of an integer (e.g. 4.0000002 / 4
   * in double is 4.0 / 4 in float), and then every sample point moves.
   */
  static int grid(RoiAlignParams p, float lo, float hi, int pooled) {
    if (p.samplingRatio() > 0) {
      return p.samplingRatio();
    }
    float s = (float) p.spatialScale();
    float shift = p.aligned() ? 0.5f : 0f;
    float start = lo * s - shift;
    float size = (hi * s - shift) - start;
    if (!p.aligned()) {
      size = Math.max(size, 1f);
    }
    return (int) Math.ceil(size / pooled);
  }

  /** Max-mode RoI Align: max of interpolated samples, off-map samples count as 0, no samples give 0. */
  static float[] roiAlignMax(FeatureMap m, float[] box, RoiAlignParams p) {
    double shift = p.aligned() ? 0.5 : 0;
    double s = p.spatialScale();
    double x0 = box[0] * s - shift;
    double y0 = box[1] * s - shift;
    double rw = box[2] * s - shift - x0;
    double rh = box[3] * s - shift - y0;
    if (!p.aligned()) {
      rw = Math.max(rw, 1);
      rh = Math.max(rh, 1);
    }
    int ph = p.pooledHeight();
    int pw = p.pooledWidth();
    int gh = grid(p, box[1], box[3], ph);
    int gw = grid(p, box[0], box[2], pw);
    float[] out = new float[m.channels() * ph * pw];
    for (int c = 0; c < m.channels(); c++) {
      for (int i = 0; i < ph; i++) {
        for (int j = 0; j < pw; j++) {
          double best = Double.NEGATIVE_INFINITY;
          for (int iy = 0; iy < gh; iy++) {
            for (int ix = 0; ix < gw; ix++) {
              double y = y0 + (i + (iy + 0.5) / gh) * rh / ph;
              double x = x0 + (j + (ix + 0.5) / gw) * rw / pw;
              Double v = bilinear(m, c, y, x);
              best = Math.max(best, v == null ? 0 : v);
            }
          }
          out[(c * ph + i) * pw + j] = (float) (best == Double.NEGATIVE_INFINITY ? 0 : best);
        }
      }
    }
    return out;
  }

  /** Average-mode RoI Align by the definition, for random-input cross checks. */
  static float[] roiAlignAvg(FeatureMap m, float[] box, RoiAlignParams p) {
    double shift = p.aligned() ? 0.5 : 0;
    double s = p.spatialScale();
    double x0 = box[0] * s - shift;
    double y0 = box[1] * s - shift;
    double rw = box[2] * s - shift - x0;
    double rh = box[3] * s - shift - y0;
    if (!p.aligned()) {
      rw = Math.max(rw, 1);
      rh = Math.max(rh, 1);
    }
    int ph = p.pooledHeight();
    int pw = p.pooledWidth();
    int gh = grid(p, box[1], box[3], ph);
    int gw = grid(p, box[0], box[2], pw);
    float[] out = new float[m.channels() * ph * pw];
    for (int c = 0; c < m.channels(); c++) {
      for (int i = 0; i < ph; i++) {
        for (int j = 0; j < pw; j++) {
          double sum = 0;
          for (int iy = 0; iy < gh; iy++) {
            for (int ix = 0; ix < gw; ix++) {
              double y = y0 + (i + (iy + 0.5) / gh) * rh / ph;
              double x = x0 + (j + (ix + 0.5) / gw) * rw / pw;
              Double v = bilinear(m, c, y, x);
              sum += v == null ? 0 : v;
            }
          }
          out[(c * ph + i) * pw + j] = (float) (sum / Math.max(gh * gw, 1));
        }
      }
    }
    return out;
  }

  /**
   * ONNX's max by its definition: per sample the largest of the four weighted corner terms w·v (off-map
   * samples count as 0), then the largest over the bin's samples; no samples give 0.
   */
  static float[] roiAlignOnnxMax(FeatureMap m, float[] box, RoiAlignParams p) {
    double shift = p.aligned() ? 0.5 : 0;
    double s = p.spatialScale();
    double x0 = box[0] * s - shift;
    double y0 = box[1] * s - shift;
    double rw = box[2] * s - shift - x0;
    double rh = box[3] * s - shift - y0;
    if (!p.aligned()) {
      rw = Math.max(rw, 1);
      rh = Math.max(rh, 1);
    }
    int ph = p.pooledHeight();
    int pw = p.pooledWidth();
    int gh = grid(p, box[1], box[3], ph);
    int gw = grid(p, box[0], box[2], pw);
    float[] out = new float[m.channels() * ph * pw];
    for (int c = 0; c < m.channels(); c++) {
      for (int i = 0; i < ph; i++) {
        for (int j = 0; j < pw; j++) {
          double best = Double.NEGATIVE_INFINITY;
          for (int iy = 0; iy < gh; iy++) {
            for (int ix = 0; ix < gw; ix++) {
              double y = y0 + (i + (iy + 0.5) / gh) * rh / ph;
              double x = x0 + (j + (ix + 0.5) / gw) * rw / pw;
              best = Math.max(best, largestWeightedCorner(m, c, y, x));
            }
          }
          out[(c * ph + i) * pw + j] = (float) (best == Double.NEGATIVE_INFINITY ? 0 : best);
        }
      }
    }
    return out;
  }

  /** max(w1·v1, w2·v2, w3·v3, w4·v4) of one sample with torchvision's border rule; 0 off the map. */
  static double largestWeightedCorner(FeatureMap m, int c, double y, double x) {
    int h = m.height();
    int w = m.width();
    if (y < -1 || y > h || x < -1 || x > w) {
      return 0;
    }
    y = Math.max(y, 0);
    x = Math.max(x, 0);
    int y0 = Math.min((int) y, h - 1);
    int x0 = Math.min((int) x, w - 1);
    int y1 = Math.min(y0 + 1, h - 1);
    int x1 = Math.min(x0 + 1, w - 1);
    double ly = (int) y >= h - 1 ? 0 : y - y0;
    double lx = (int) x >= w - 1 ? 0 : x - x0;
    return Math.max(Math.max((1 - ly) * (1 - lx) * m.get(c, y0, x0), (1 - ly) * lx * m.get(c, y0, x1)),
        Math.max(ly * (1 - lx) * m.get(c, y1, x0), ly * lx * m.get(c, y1, x1)));
  }

  /**
   * RoI Pool by torchvision's definition: corners × scale rounded half away from zero, inclusive end,
   * RoI at least 1×1 cell; bin edges floor(i·bin) and ceil((i+1)·bin) (float bin size, as the reference)
   * offset by the start and clamped to the map; max per bin, empty bin 0.
   */
  static float[] roiPool(FeatureMap m, float[] box, RoiPoolParams p) {
    float s = (float) p.spatialScale();
    long x1 = roundHalfAway(box[0] * s);
    long y1 = roundHalfAway(box[1] * s);
    long x2 = roundHalfAway(box[2] * s);
    long y2 = roundHalfAway(box[3] * s);
    int ph = p.pooledHeight();
    int pw = p.pooledWidth();
    float binH = (float) Math.max(y2 - y1 + 1, 1) / ph;
    float binW = (float) Math.max(x2 - x1 + 1, 1) / pw;
    float[] out = new float[m.channels() * ph * pw];
    for (int c = 0; c < m.channels(); c++) {
      for (int i = 0; i < ph; i++) {
        long hs = Math.min(Math.max((long) Math.floor(i * binH) + y1, 0), m.height());
        long he = Math.min(Math.max((long) Math.ceil((i + 1) * binH) + y1, 0), m.height());
        for (int j = 0; j < pw; j++) {
          long ws = Math.min(Math.max((long) Math.floor(j * binW) + x1, 0), m.width());
          long we = Math.min(Math.max((long) Math.ceil((j + 1) * binW) + x1, 0), m.width());
          double best = Double.NEGATIVE_INFINITY;
          for (long y = hs; y < he; y++) {
            for (long x = ws; x < we; x++) {
              best = Math.max(best, m.get(c, (int) y, (int) x));
            }
          }
          out[(c * ph + i) * pw + j] = (float) (best == Double.NEGATIVE_INFINITY ? 0 : best);
        }
      }
    }
    return out;
  }

  private static long roundHalfAway(float v) {
    return (long) (v < 0 ? -Math.floor(-(double) v + 0.5) : Math.floor((double) v + 0.5));
  }
}
