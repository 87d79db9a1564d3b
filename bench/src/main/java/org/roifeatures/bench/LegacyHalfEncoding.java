package org.roifeatures.bench;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The per-value encoding spark-job used before core-ops' bulk encoders (branchy scalar conversion,
 * one {@code ByteBuffer.putShort} per value), kept only as the baseline of
 * {@link HalfPrecisionBenchmark}. Same bytes as {@code HalfPrecision}.
 */
final class LegacyHalfEncoding {

  private LegacyHalfEncoding() {}

  static byte[] float16(float[] values, int from, int length) {
    byte[] out = new byte[length * 2];
    ByteBuffer b = ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < length; i++) {
      b.putShort(toFloat16(values[from + i]));
    }
    return out;
  }

  static byte[] bfloat16(float[] values, int from, int length) {
    byte[] out = new byte[length * 2];
    ByteBuffer b = ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < length; i++) {
      b.putShort(toBfloat16(values[from + i]));
    }
    return out;
  }

  static byte[] float32(float[] values, int from, int length) {
    byte[] out = new byte[length * 4];
    ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().put(values, from, length);
    return out;
  }

  private static short toFloat16(float f) {
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

  private static short toBfloat16(float f) {
    int bits = Float.floatToRawIntBits(f);
    if ((bits & 0x7f800000) == 0x7f800000 && (bits & 0x7fffff) != 0) {
      return (short) ((bits >>> 16) | 0x40);
    }
    int rounded = bits + 0x7fff + ((bits >>> 16) & 1);
    return (short) (rounded >>> 16);
  }
}
