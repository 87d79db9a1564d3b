package org.roifeatures.spark;

/**
 * Element type of {@link VectorFormat#BINARY} vectors. Reduced precisions halve the bytes written;
 * both round to nearest, ties to even, from the float32 result.
 */
public enum Precision {
  FLOAT32(4, "<f4"),
  /** IEEE 754 binary16: 11-bit significand, max 65504; relative error ≤ 2^-11. */
  FLOAT16(2, "<f2"),
  /** bfloat16: float32's exponent with an 8-bit significand; relative error ≤ 2^-8. */
  BFLOAT16(2, "<u2 (bfloat16: upper half of a float32)");

  final int bytes;
  final String numpyDtype;

  Precision(int bytes, String numpyDtype) {
    this.bytes = bytes;
    this.numpyDtype = numpyDtype;
  }

  public int bytes() {
    return bytes;
  }
}
