package org.roifeatures.ops;

/**
 * The allocating {@code forward(map, boxes, params)} overloads of the operators, in one place: check
 * the arguments, count the boxes, allocate one row per box and let the operator's own
 * offset-taking {@code forward} fill it.
 */
final class NewOutput {

  /** An operator's {@code forward} into a given array, from box 0 and output offset 0. */
  interface Fill {
    void into(int numBoxes, float[] out);
  }

  /** The operator's length of one output row for the map and parameters. */
  interface RowLength {
    int get();
  }

  private NewOutput() {}

  /**
   * Pools every box of {@code boxes} ({@code fields} floats per box) into a new array of
   * {@code numBoxes · rowLength} floats.
   */
  static float[] pool(FeatureMap map, float[] boxes, Object params, int fields,
      RowLength rowLength, Fill fill) {
    Checks.notNull(boxes, "boxes");
    Checks.notNull(map, "feature map");
    Checks.notNull(params, "params");
    int n;
    if (fields == 4) {
      n = Boxes.count(boxes);
    } else if (boxes.length % fields == 0) {
      n = boxes.length / fields;
    } else {
      throw new IllegalArgumentException("rotated boxes array length " + boxes.length
          + " is not a multiple of 5 (cx, cy, w, h, angle per box)");
    }
    float[] out = new float[Math.multiplyExact(n, rowLength.get())];
    fill.into(n, out);
    return out;
  }
}
