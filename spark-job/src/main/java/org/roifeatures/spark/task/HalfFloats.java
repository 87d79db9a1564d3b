package org.roifeatures.spark.task;

/**
 * float32 → 16-bit conversions with round-to-nearest-even (Java 17 has no Float.floatToFloat16).
 * NaN stays NaN, overflow becomes ±Inf, tiny values become subnormals or ±0.
 */
public final class HalfFloats {

  private HalfFloats() {}

  /** IEEE 754 binary16 bits of {@code f}. */
  public static short toFloat16(float f) {
    int bits = Float.floatToRawIntBits(f);
    int sign = (bits >>> 16) & 0x8000;
    int exp = (bits >>> 23) & 0xff;
    int mant = bits & 0x7fffff;
    if (exp == 0xff) {
      return (short) (sign | 0x7c00 | (mant != 0 ? 0x200 | (mant >>> 13) : 0));
    }
    int e = exp - 127 + 15;
    if (e >= 0x1f) {
      return (short) (sign | 0x7c00);
    }
    if (e <= 0) {
      if (e < -10) {
        return (short) sign;
      }
      // Subnormal: shift the full significand (with its hidden bit) and round to nearest even.
      int m = mant | 0x800000;
      int shift = 14 - e;
      int half = 1 << (shift - 1);
      int rounded = (m + half - 1 + ((m >>> shift) & 1)) >>> shift;
      return (short) (sign | rounded);
    }
    int rounded = mant + 0xfff + ((mant >>> 13) & 1);
    if ((rounded & 0x800000) != 0) {
      rounded = 0;
      e++;
      if (e >= 0x1f) {
        return (short) (sign | 0x7c00);
      }
    }
    return (short) (sign | (e << 10) | (rounded >>> 13));
  }

  /** float32 value of binary16 bits (for tests and readers). */
  public static float fromFloat16(short h) {
    int bits = h & 0xffff;
    int sign = (bits & 0x8000) << 16;
    int exp = (bits >>> 10) & 0x1f;
    int mant = bits & 0x3ff;
    if (exp == 0x1f) {
      return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
    }
    if (exp == 0) {
      float v = mant * 0x1p-24f;
      return sign != 0 ? -v : v;
    }
    return Float.intBitsToFloat(sign | ((exp - 15 + 127) << 23) | (mant << 13));
  }

  /** bfloat16 bits (upper half of float32, rounded to nearest even). */
  public static short toBfloat16(float f) {
    int bits = Float.floatToRawIntBits(f);
    if ((bits & 0x7f800000) == 0x7f800000 && (bits & 0x7fffff) != 0) {
      return (short) ((bits >>> 16) | 0x40);
    }
    int rounded = bits + 0x7fff + ((bits >>> 16) & 1);
    return (short) (rounded >>> 16);
  }

  public static float fromBfloat16(short b) {
    return Float.intBitsToFloat((b & 0xffff) << 16);
  }
}
