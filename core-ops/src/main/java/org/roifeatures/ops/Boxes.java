package org.roifeatures.ops;

/** Small helpers for flat box arrays {@code [x1, y1, x2, y2, x1, y1, ...]}. */
final class Boxes {

  private Boxes() {}

  /** Number of boxes in a flat array whose length must be a multiple of 4. */
  static int count(float[] boxes) {
    if (boxes.length % 4 != 0) {
      throw new IllegalArgumentException("boxes array length " + boxes.length
          + " is not a multiple of 4 (x1, y1, x2, y2 per box)");
    }
    return boxes.length / 4;
  }
}
