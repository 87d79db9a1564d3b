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
}
