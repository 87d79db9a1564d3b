package org.roifeatures.ops;

/**
 * Test oracle for the 16-bit formats, written independently of the bit tricks under test: the value
 * is taken as a double (exact for every float) and rounded with {@link Math#rint} (ties to even) to
 * the format's step at its exponent. NaN inputs are not handled here; tests check those separately.
 */
final class HalfReference {

  private HalfReference() {}

  /** binary16 bits of a non-NaN float. */
  static short float16(float f) {
    return encode(f, 10, 15, 0x1f);
  }

  /** bfloat16 bits of a non-NaN float. */
  static short bfloat16(float f) {
    return encode(f, 7, 127, 0xff);
  }

  /** The value of non-NaN binary16 bits, from the definition of the format. */
  static double float16Value(short h) {
    return value(h, 10, 15);
  }

  /** The value of non-NaN bfloat16 bits. */
  static double bfloat16Value(short b) {
    return value(b, 7, 127);
  }

  /**
   * Rounds {@code f} to a binary format with {@code mantBits} stored significand bits, exponent bias
   * {@code bias} and all-ones exponent {@code maxExp}, and returns its bits.
   */
  private static short encode(float f, int mantBits, int bias, int maxExp) {
    int sign = Float.floatToRawIntBits(f) < 0 ? 0x8000 : 0;
    double a = Math.abs((double) f);
    int minExp = 1 - bias;
    int result;
    if (Double.isInfinite(a)) {
      result = maxExp << mantBits;
    } else if (a < Math.scalb(1.0, minExp)) {
      // Subnormal range: a whole number of the smallest steps; 2^mantBits steps is the smallest normal,
      // whose encoding is that same number.
      result = (int) Math.rint(Math.scalb(a, mantBits - minExp));
    } else {
      int e = Math.getExponent(a);
      long m = (long) Math.rint(Math.scalb(a, mantBits - e)); // in [2^mantBits, 2^(mantBits+1)]
      if (m == 1L << (mantBits + 1)) {
        m >>= 1;
        e++;
      }
      result = e + bias >= maxExp
          ? maxExp << mantBits
          : ((e + bias) << mantBits) | (int) (m - (1L << mantBits));
    }
    return (short) (sign | result);
  }

  private static double value(short bits, int mantBits, int bias) {
    int v = bits & 0xffff;
    int expBits = 15 - mantBits;
    int exp = (v >>> mantBits) & ((1 << expBits) - 1);
    int mant = v & ((1 << mantBits) - 1);
    double magnitude;
    if (exp == (1 << expBits) - 1) {
      magnitude = Double.POSITIVE_INFINITY; // callers pass no NaNs
    } else if (exp == 0) {
      magnitude = Math.scalb((double) mant, 1 - bias - mantBits);
    } else {
      magnitude = Math.scalb((double) ((1 << mantBits) | mant), exp - bias - mantBits);
    }
    return (v & 0x8000) != 0 ? -magnitude : magnitude;
  }
}
