package org.roifeatures.ops;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The encoders in plain Java, and the bit formulas every path shares. The formulas are branch-free
 * (masks instead of ifs): feature values mix normals, zeros and the odd tiny value unpredictably, and
 * a mispredicted branch per value costs more than computing all cases. The vector encoder computes
 * the same formulas lanewise and uses these for its tail.
 */
final class ScalarHalfEncoder implements HalfEncoder {

  static final ScalarHalfEncoder INSTANCE = new ScalarHalfEncoder();

  // One bounds-checked little-endian store per value instead of two byte stores.
  private static final VarHandle SHORT_LE =
      MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);

  /** |x| bits below this (2^-14, the smallest normal binary16) → subnormal or zero. */
  static final int F16_MIN_NORMAL = 0x38800000;
  /** float32 bits of positive infinity; larger |x| bits are NaNs. */
  static final int INF = 0x7f800000;
  /** binary16 bits of +Inf. */
  static final int F16_INF = 0x7c00;
  /** Exponent rebias 127 → 15, as a subtraction on the float32 bits. */
  static final int F16_REBIAS = (127 - 15) << 23;
  /**
   * float32 0.5 has an ulp of 2^-24, the binary16 subnormal step: adding it to |x| < 2^-14 leaves
   * round(|x| / 2^-24), rounded to nearest even by the FPU, in the low mantissa bits.
   */
  static final float SUBNORMAL_MAGIC = 0.5f;
  static final int SUBNORMAL_MAGIC_BITS = 0x3f000000;

  private ScalarHalfEncoder() {}

  /** binary16 bits (in the low 16 bits) of the float32 with bits {@code bits}. */
  static int float16Bits(int bits) {
    int abs = bits & 0x7fffffff;
    // Normal range: rebias the exponent, then add just under half an ulp plus the kept lowest bit
    // (ties to even) and drop 13 bits. A carry out of the mantissa bumps the exponent. The result
    // grows with abs, so clamping at 0x7c00 turns everything from 65520 up (Inf, NaN too) into Inf.
    int normal = Math.min((abs - F16_REBIAS + 0xfff + ((abs >>> 13) & 1)) >>> 13, F16_INF);
    int subnormal =
        Float.floatToRawIntBits(Float.intBitsToFloat(abs) + SUBNORMAL_MAGIC) - SUBNORMAL_MAGIC_BITS;
    int isSmall = (abs - F16_MIN_NORMAL) >> 31; // all ones when abs < F16_MIN_NORMAL
    // A NaN is already 0x7c00 here; make it quiet (0x200) and keep its top 10 payload bits.
    int isNan = (INF - abs) >> 31;
    int magnitude = (normal & ~isSmall) | (subnormal & isSmall)
        | (isNan & (0x200 | ((abs >>> 13) & 0x3ff)));
    return ((bits >>> 16) & 0x8000) | magnitude;
  }

  /** bfloat16 bits (in the low 16 bits) of the float32 with bits {@code bits}. */
  static int bfloat16Bits(int bits) {
    // Round to nearest even on the raw bits; a carry ripples into the exponent and ends at Inf.
    int rounded = (bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16;
    // A NaN must not round into Inf (or wrap the sign): keep its top bits, set the quiet bit.
    int isNan = (INF - (bits & 0x7fffffff)) >> 31;
    return ((((bits >>> 16) & 0xffff) | 0x40) & isNan) | (rounded & ~isNan);
  }

  @Override
  public void float16(float[] src, int from, int count, byte[] dst, int at) {
    for (int i = 0; i < count; i++) {
      SHORT_LE.set(dst, at + 2 * i, (short) float16Bits(Float.floatToRawIntBits(src[from + i])));
    }
  }

  @Override
  public void bfloat16(float[] src, int from, int count, byte[] dst, int at) {
    for (int i = 0; i < count; i++) {
      SHORT_LE.set(dst, at + 2 * i, (short) bfloat16Bits(Float.floatToRawIntBits(src[from + i])));
    }
  }

  @Override
  public void float32(float[] src, int from, int count, byte[] dst, int at) {
    // The JDK's bulk copy into a little-endian view (a memory copy on little-endian hardware) beats
    // a store per value; it copies raw bits, NaN payloads included.
    ByteBuffer.wrap(dst, at, 4 * count).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer()
        .put(src, from, count);
  }

  @Override
  public String name() {
    return "scalar";
  }
}
