package org.roifeatures.ops;

/**
 * Tells whether a rotated box {@code (cx, cy, w, h, angle)} can be given to {@link RoiAlignRotated}.
 * Like {@link BoxCheck}, callers that must not fail on one bad box ask {@link #problem} first and route
 * bad boxes elsewhere; the facade throws {@link IllegalArgumentException} with the same text.
 *
 * <p>Refused: any non-finite value, and a negative width or height (detectron2 asserts non-negative
 * sizes). Zero-size and off-map boxes are valid and pool to zeros or border values.
 */
public final class RotatedBoxCheck {

  /** Floats per rotated box. */
  public static final int FIELDS = 5;

  private static final String[] NAMES = {"cx", "cy", "w", "h", "angle"};

  private RotatedBoxCheck() {}

  /**
   * Returns null when the box at {@code boxes[offset .. offset+5)} is usable, else a short reason such
   * as {@code "has a non-finite value: angle=NaN"} or {@code "has a negative size: w=-2.0"}.
   */
  public static String problem(float[] boxes, int offset) {
    for (int i = 0; i < FIELDS; i++) {
      float v = boxes[offset + i];
      if (!Float.isFinite(v)) {
        return "has a non-finite value: " + NAMES[i] + "=" + v;
      }
    }
    for (int i = 2; i < 4; i++) {
      float v = boxes[offset + i];
      if (v < 0) {
        return "has a negative size: " + NAMES[i] + "=" + v;
      }
    }
    return null;
  }

  /** Same as {@link #problem(float[], int)} for five separate values. */
  public static String problem(double cx, double cy, double w, double h, double angle) {
    return problem(new float[] {(float) cx, (float) cy, (float) w, (float) h, (float) angle}, 0);
  }
}
