package org.roifeatures.ops;

/** Argument checks shared by the operator facades; every message names the offending value. */
final class Checks {

  private Checks() {}

  static void pooledSize(int pooledHeight, int pooledWidth) {
    if (pooledHeight <= 0 || pooledWidth <= 0) {
      throw new IllegalArgumentException("pooled size must be > 0, got pooledHeight=" + pooledHeight
          + " pooledWidth=" + pooledWidth);
    }
  }

  static void spatialScale(double spatialScale) {
    if (!(spatialScale > 0) || Double.isInfinite(spatialScale)) {
      throw new IllegalArgumentException("spatialScale must be finite and > 0, got " + spatialScale);
    }
  }

  static void notNull(Object value, String name) {
    if (value == null) {
      throw new IllegalArgumentException(name + " is null");
    }
  }

  /** Checks the box range and that every coordinate is finite. */
  static void boxes(float[] boxes, int boxOffset, int numBoxes) {
    notNull(boxes, "boxes");
    if (numBoxes < 0) {
      throw new IllegalArgumentException("numBoxes must be >= 0, got " + numBoxes);
    }
    if (boxOffset < 0 || boxOffset + 4L * numBoxes > boxes.length) {
      throw new IllegalArgumentException("boxes array of length " + boxes.length + " cannot hold "
          + numBoxes + " boxes (4 floats each) from offset " + boxOffset);
    }
    for (int b = 0; b < numBoxes; b++) {
      String problem = BoxCheck.problem(boxes, boxOffset + 4 * b);
      if (problem != null) {
        throw new IllegalArgumentException("box " + b + " " + problem);
      }
    }
  }

  /** Checks that {@code out} holds {@code numBoxes} rows of {@code rowLength} floats from offset. */
  static void output(float[] out, int outOffset, int numBoxes, long rowLength) {
    notNull(out, "output buffer");
    long need = rowLength * numBoxes;
    if (outOffset < 0 || outOffset + need > out.length) {
      throw new IllegalArgumentException("output buffer too small: need " + need + " floats ("
          + numBoxes + " rows of " + rowLength + ") from offset " + outOffset + ", have "
          + out.length);
    }
  }

  static long rowLength(long channels, int pooledHeight, int pooledWidth) {
    long len = channels * pooledHeight * pooledWidth;
    if (len > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("output row length C*PH*PW=" + len + " is too large");
    }
    return len;
  }
}
