package org.roifeatures.bench;

/** Compares an operator's output with the reference's, element by element, before anything is timed. */
public final class OutputCheck {

  /** Absolute and relative tolerance, as the golden tests use. */
  public static final double TOLERANCE = 1e-5;

  private OutputCheck() {}

  /**
   * Throws {@link IllegalStateException} naming the first element where {@code actual} differs from
   * {@code expected} by more than {@code TOLERANCE·(1 + |expected|)}, or when the lengths differ.
   */
  public static void assertClose(String what, float[] expected, float[] actual) {
    if (expected.length != actual.length) {
      throw new IllegalStateException(what + ": output has " + actual.length + " floats, reference "
          + expected.length);
    }
    for (int i = 0; i < expected.length; i++) {
      double e = expected[i];
      double a = actual[i];
      if (!(Math.abs(a - e) <= TOLERANCE + TOLERANCE * Math.abs(e))) {
        throw new IllegalStateException(what + ": element " + i + " is " + a + ", reference " + e);
      }
    }
  }

  /**
   * How far {@code actual} is from {@code expected}: the largest absolute difference, the largest
   * difference relative to the output's largest magnitude, and the share of bit-identical floats.
   */
  public static String describe(float[] expected, float[] actual) {
    double maxDiff = 0;
    double maxRef = 0;
    long identical = 0;
    for (int i = 0; i < expected.length; i++) {
      maxDiff = Math.max(maxDiff, Math.abs((double) actual[i] - expected[i]));
      maxRef = Math.max(maxRef, Math.abs(expected[i]));
      if (Float.floatToRawIntBits(actual[i]) == Float.floatToRawIntBits(expected[i])) {
        identical++;
      }
    }
    return String.format("max_abs_diff=%.2e\tmax_diff_rel_to_max=%.2e\tidentical=%.1f%%", maxDiff,
        maxRef > 0 ? maxDiff / maxRef : 0, 100.0 * identical / Math.max(1, expected.length));
  }
}
