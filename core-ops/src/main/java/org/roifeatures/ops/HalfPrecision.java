package org.roifeatures.ops;

import java.util.Objects;

/**
 * float32 → 16-bit float conversions and little-endian byte encoders for feature vectors.
 *
 * <p>float16 is IEEE 754 binary16 with round-to-nearest-even: overflow becomes ±Inf, tiny values
 * become subnormals or ±0, the sign of zero is kept, and a NaN becomes a quiet NaN carrying the top
 * payload bits. bfloat16 is the upper half of the float32 bits rounded to nearest even; a NaN keeps
 * its sign and top payload bits and is made quiet. Java 17 has no {@code Float.floatToFloat16}, hence
 * this class; its results equal the JDK 20+ method for all non-NaN inputs.
 *
 * <p>The bulk encoders run the Vector API implementation when {@code jdk.incubator.vector} is present
 * (chosen once per JVM, see {@link RoiKernelsProvider}), else a scalar loop; both write the same bytes.
 * All methods are static and thread-safe.
 */
public final class HalfPrecision {

  private static final HalfEncoder ENCODER = RoiKernelsProvider.halfEncoder();

  private HalfPrecision() {}

  /** IEEE 754 binary16 bits of {@code f}, rounded to nearest even. */
  public static short toFloat16(float f) {
    return (short) ScalarHalfEncoder.float16Bits(Float.floatToRawIntBits(f));
  }

  /** The float32 value of binary16 bits (exact: every binary16 value is a float32). */
  public static float fromFloat16(short h) {
    int bits = h & 0xffff;
    int sign = (bits & 0x8000) << 16;
    int exp = (bits >>> 10) & 0x1f;
    int mant = bits & 0x3ff;
    if (exp == 0x1f) {
      return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
    }
    if (exp == 0) {
      // Subnormal (or zero): mant units of 2^-24, exact in float; the sign is applied separately so
      // that -0 stays -0.
      float v = mant * 0x1p-24f;
      return sign != 0 ? -v : v;
    }
    return Float.intBitsToFloat(sign | ((exp - 15 + 127) << 23) | (mant << 13));
  }

  /** bfloat16 bits of {@code f}: the upper 16 bits of the float32, rounded to nearest even. */
  public static short toBfloat16(float f) {
    return (short) ScalarHalfEncoder.bfloat16Bits(Float.floatToRawIntBits(f));
  }

  /** The float32 value of bfloat16 bits (exact). */
  public static float fromBfloat16(short b) {
    return Float.intBitsToFloat((b & 0xffff) << 16);
  }

  /**
   * Writes {@code src[from .. from+count)} as little-endian binary16 values to
   * {@code dst[at .. at+2·count)}.
   */
  public static void encodeFloat16(float[] src, int from, int count, byte[] dst, int at) {
    check(src, from, count, dst, at, 2);
    ENCODER.float16(src, from, count, dst, at);
  }

  /**
   * Writes {@code src[from .. from+count)} as little-endian bfloat16 values to
   * {@code dst[at .. at+2·count)}.
   */
  public static void encodeBfloat16(float[] src, int from, int count, byte[] dst, int at) {
    check(src, from, count, dst, at, 2);
    ENCODER.bfloat16(src, from, count, dst, at);
  }

  /**
   * Writes {@code src[from .. from+count)} as little-endian float32 values to
   * {@code dst[at .. at+4·count)}; bits are copied as they are (NaN payloads included).
   */
  public static void encodeFloat32(float[] src, int from, int count, byte[] dst, int at) {
    check(src, from, count, dst, at, 4);
    ENCODER.float32(src, from, count, dst, at);
  }

  /** Name of the bulk encoder in use: "scalar" or "panama-" and the vector bit width. */
  public static String implementationName() {
    return ENCODER.name();
  }

  // The implementations index without further checks beyond the JVM's own, so bad ranges are
  // reported here with the caller's arguments rather than as an exception from inside a loop.
  private static void check(float[] src, int from, int count, byte[] dst, int at, int width) {
    Objects.requireNonNull(src, "src");
    Objects.requireNonNull(dst, "dst");
    Objects.checkFromIndexSize(from, count, src.length);
    if (count > Integer.MAX_VALUE / width) {
      throw new IndexOutOfBoundsException("count " + count + " too large for a byte array");
    }
    Objects.checkFromIndexSize(at, count * width, dst.length);
  }
}
