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
    int gh = p.samplingRatio() > 0 ? p.samplingRatio() : (int) Math.ceil(rh / ph);
    int gw = p.samplingRatio() > 0 ? p.samplingRatio() : (int) Math.ceil(rw / pw);
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
    int gh = p.samplingRatio() > 0 ? p.samplingRatio() : (int) Math.ceil(rh / ph);
    int gw = p.samplingRatio() > 0 ? p.samplingRatio() : (int) Math.ceil(rw / pw);
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
}
