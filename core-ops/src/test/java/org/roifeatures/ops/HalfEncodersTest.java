package org.roifeatures.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The bulk encoders against the scalar conversions, value by value: the encoder {@link HalfPrecision}
 * chose, the scalar one, and the vector one when this JVM has it, on millions of random bit patterns
 * and feature-like values, at many offsets and lengths (0, below one vector, not a multiple of it).
 * Bytes outside the written range must stay untouched.
 */
class HalfEncodersTest {

  private static final byte GUARD = 0x5a;

  /** What each encoder writes for one value, as the reference bytes. */
  private enum Format {
    FLOAT16(2), BFLOAT16(2), FLOAT32(4);

    final int width;

    Format(int width) {
      this.width = width;
    }

    void expect(ByteBuffer out, float f) {
      switch (this) {
        case FLOAT16 -> out.putShort(HalfPrecision.toFloat16(f));
        case BFLOAT16 -> out.putShort(HalfPrecision.toBfloat16(f));
        case FLOAT32 -> out.putInt(Float.floatToRawIntBits(f));
        default -> throw new AssertionError(this);
      }
    }

    void encode(HalfEncoder e, float[] src, int from, int count, byte[] dst, int at) {
      switch (this) {
        case FLOAT16 -> e.float16(src, from, count, dst, at);
        case BFLOAT16 -> e.bfloat16(src, from, count, dst, at);
        case FLOAT32 -> e.float32(src, from, count, dst, at);
        default -> throw new AssertionError(this);
      }
    }

    void encodePublic(float[] src, int from, int count, byte[] dst, int at) {
      switch (this) {
        case FLOAT16 -> HalfPrecision.encodeFloat16(src, from, count, dst, at);
        case BFLOAT16 -> HalfPrecision.encodeBfloat16(src, from, count, dst, at);
        case FLOAT32 -> HalfPrecision.encodeFloat32(src, from, count, dst, at);
        default -> throw new AssertionError(this);
      }
    }
  }

  private static List<HalfEncoder> encoders() {
    List<HalfEncoder> list = new ArrayList<>();
    list.add(RoiKernelsProvider.halfEncoder());
    list.add(ScalarHalfEncoder.INSTANCE);
    if (RoiKernelsProvider.halfEncoderPanamaOrNull() != null) {
      list.add(RoiKernelsProvider.halfEncoderPanamaOrNull());
    }
    return list;
  }

  @Test
  void millionsOfRandomBitPatternsEncodeLikeTheScalarConversions() {
    float[] src = new float[3_000_000];
    SplittableRandom r = new SplittableRandom(3);
    for (int i = 0; i < src.length; i++) {
      src[i] = Float.intBitsToFloat(r.nextInt());
    }
    checkAll(src);
  }

  @Test
  void featureLikeValuesEncodeLikeTheScalarConversions() {
    // Runs of zeros (ReLU), normals, tiny values near the subnormal range, values near 65504/65520,
    // infinities and NaNs, mixed so every vector holds several cases at once.
    float[] src = new float[1_000_003];
    SplittableRandom r = new SplittableRandom(4);
    for (int i = 0; i < src.length; i++) {
      src[i] = switch (r.nextInt(10)) {
        case 0, 1, 2 -> r.nextBoolean() ? 0f : -0f;
        case 3 -> (float) (r.nextGaussian() * 0x1p-14);
        case 4 -> (float) (r.nextGaussian() * 0x1p-24);
        case 5 -> (float) (65504 + r.nextGaussian() * 32);
        case 6 -> Float.intBitsToFloat(0x7f800000 | r.nextInt(0x800000) | (r.nextBoolean() ? 1 << 31 : 0));
        case 7 -> r.nextBoolean() ? Float.POSITIVE_INFINITY : Float.NEGATIVE_INFINITY;
        default -> (float) (r.nextGaussian() * 4);
      };
    }
    checkAll(src);
  }

  private static void checkAll(float[] src) {
    for (Format format : Format.values()) {
      byte[] expected = expected(format, src, 0, src.length);
      for (HalfEncoder e : encoders()) {
        byte[] dst = new byte[src.length * format.width];
        format.encode(e, src, 0, src.length, dst, 0);
        assertBytes(format, e, src, 0, expected, dst, 0, src.length);
      }
    }
  }

  @Test
  void everyOffsetAndLengthWritesExactlyItsRange() {
    float[] src = new float[200];
    SplittableRandom r = new SplittableRandom(5);
    for (int i = 0; i < src.length; i++) {
      src[i] = r.nextInt(4) == 0 ? Float.intBitsToFloat(r.nextInt()) : (float) r.nextGaussian();
    }
    int[] froms = {0, 1, 3, 7, 16, 33};
    int[] ats = {0, 1, 2, 5};
    for (Format format : Format.values()) {
      for (HalfEncoder e : encoders()) {
        for (int from : froms) {
          for (int count = 0; from + count <= src.length; count++) {
            for (int at : ats) {
              byte[] expected = expected(format, src, from, count);
              byte[] dst = new byte[at + count * format.width + 3];
              java.util.Arrays.fill(dst, GUARD);
              format.encode(e, src, from, count, dst, at);
              assertBytes(format, e, src, from, expected, dst, at, count);
              for (int k = 0; k < at; k++) {
                assertEquals(GUARD, dst[k], "byte before the range");
              }
              for (int k = at + count * format.width; k < dst.length; k++) {
                assertEquals(GUARD, dst[k], "byte after the range");
              }
            }
          }
        }
      }
    }
  }

  @Test
  void publicEncodersWriteTheScalarBytesForARow() {
    float[] src = new float[12_544 + 5];
    SplittableRandom r = new SplittableRandom(6);
    for (int i = 0; i < src.length; i++) {
      src[i] = (float) r.nextGaussian();
    }
    for (Format format : Format.values()) {
      byte[] dst = new byte[1 + 12_544 * format.width];
      format.encodePublic(src, 5, 12_544, dst, 1);
      byte[] expected = expected(format, src, 5, 12_544);
      assertArrayEquals(expected, java.util.Arrays.copyOfRange(dst, 1, dst.length), format.name());
    }
  }

  @Test
  void badRangesAreRejectedBeforeWriting() {
    float[] src = new float[10];
    byte[] dst = new byte[20];
    assertThrows(IndexOutOfBoundsException.class, () -> HalfPrecision.encodeFloat16(src, 5, 6, dst, 0));
    assertThrows(IndexOutOfBoundsException.class, () -> HalfPrecision.encodeFloat16(src, -1, 2, dst, 0));
    assertThrows(IndexOutOfBoundsException.class, () -> HalfPrecision.encodeBfloat16(src, 0, 10, dst, 1));
    assertThrows(IndexOutOfBoundsException.class, () -> HalfPrecision.encodeFloat32(src, 0, 6, dst, 0));
    assertThrows(IndexOutOfBoundsException.class, () -> HalfPrecision.encodeFloat32(src, 0, -1, dst, 0));
    assertThrows(NullPointerException.class, () -> HalfPrecision.encodeFloat32(null, 0, 0, dst, 0));
    HalfPrecision.encodeFloat16(src, 10, 0, dst, 20); // empty range at the very end is fine
  }

  private static byte[] expected(Format format, float[] src, int from, int count) {
    ByteBuffer out = ByteBuffer.allocate(count * format.width).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < count; i++) {
      format.expect(out, src[from + i]);
    }
    return out.array();
  }

  private static void assertBytes(Format format, HalfEncoder e, float[] src, int from,
      byte[] expected, byte[] dst, int at, int count) {
    int w = format.width;
    for (int i = 0; i < count; i++) {
      for (int k = 0; k < w; k++) {
        if (expected[i * w + k] != dst[at + i * w + k]) {
          assertEquals(hex(expected, i * w, w), hex(dst, at + i * w, w), format + " " + e.name()
              + " value " + i + " of " + count + " = bits 0x"
              + Integer.toHexString(Float.floatToRawIntBits(src[from + i])));
        }
      }
    }
  }

  private static String hex(byte[] b, int at, int n) {
    StringBuilder s = new StringBuilder();
    for (int k = 0; k < n; k++) {
      s.append(String.format("%02x", b[at + k] & 0xff));
    }
    return s.toString();
  }
}
