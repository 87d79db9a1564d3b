package org.roifeatures.ops;

/**
 * Tells whether a box {@code (x1, y1, x2, y2)} can be given to the operators. Callers that must not
 * fail on one bad box (the Spark job) ask {@link #problem} first and route bad boxes to a rejects
 * output; the operator facades throw {@link IllegalArgumentException} with the same text.
 *
 * <p>Only non-finite coordinates are refused. Inverted, empty and off-map boxes are valid input: each
 * operator defines an output for them (usually zeros), exactly as torchvision does.
 */
public final class BoxCheck {

  private static final String[] NAMES = {"x1", "y1", "x2", "y2"};

  private BoxCheck() {}

  /**
   * Returns null when the box at {@code boxes[offset .. offset+4)} is usable, else a short reason such
   * as {@code "has a non-finite coordinate: y1=NaN"}.
   */
  public static String problem(float[] boxes, int offset) {
    for (int i = 0; i < 4; i++) {
      float v = boxes[offset + i];
      if (!Float.isFinite(v)) {
        return "has a non-finite coordinate: " + NAMES[i] + "=" + v;
      }
    }
    return null;
  }

  /** Same as {@link #problem(float[], int)} for four separate coordinates. */
  public static String problem(double x1, double y1, double x2, double y2) {
    double[] v = {x1, y1, x2, y2};
    for (int i = 0; i < 4; i++) {
      if (!Double.isFinite(v[i])) {
        return "has a non-finite coordinate: " + NAMES[i] + "=" + v[i];
      }
    }
    return null;
  }
}
