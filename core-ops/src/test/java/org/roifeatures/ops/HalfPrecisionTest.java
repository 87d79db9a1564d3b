package org.roifeatures.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The scalar conversions against {@link HalfReference}: every 16-bit value, every tie between
 * neighbours, the overflow and subnormal boundaries, signed zeros, infinities, NaNs, and a sweep over
 * the float32 bit patterns.
 */
class HalfPrecisionTest {

  // ---- float16

  @Test
  void everyFloat16DecodesToItsValueAndRoundTrips() {
    for (int v = 0; v < 0x10000; v++) {
      short h = (short) v;
      float f = HalfPrecision.fromFloat16(h);
      if (isFloat16Nan(h)) {
        assertTrue(Float.isNaN(f), hex(h));
        // The quiet bit is set; the payload is kept.
        assertEquals((short) (v | 0x200), HalfPrecision.toFloat16(f), hex(h));
      } else {
        assertEquals(HalfReference.float16Value(h), (double) f, hex(h));
        assertEquals(Float.floatToRawIntBits(f) < 0, (v & 0x8000) != 0, hex(h)); // also for -0
        assertEquals(h, HalfPrecision.toFloat16(f), hex(h));
      }
    }
  }

  @Test
  void float16TiesGoToEvenAndNeighboursOfTiesRoundToNearest() {
    // Positive neighbours h, h+1 up to 65504 and +Inf; the midpoint has 12 significant bits, exact
    // in float. Negative values mirror through the sign bit.
    for (int h = 0; h < 0x7c00; h++) {
      double lo = HalfReference.float16Value((short) h);
      double hi = h + 1 == 0x7c00 ? 65536.0 : HalfReference.float16Value((short) (h + 1));
      float mid = (float) ((lo + hi) / 2);
      assertEquals((lo + hi) / 2, (double) mid);
      int even = (h & 1) == 0 ? h : h + 1;
      for (int s : new int[] {0, 0x8000}) {
        float sm = s == 0 ? mid : -mid;
        assertEquals((short) (s | even), HalfPrecision.toFloat16(sm), "tie " + sm);
        assertEquals((short) (s | h), HalfPrecision.toFloat16(Math.nextDown(Math.abs(sm)) * Math.signum(sm)));
        assertEquals((short) (s | (h + 1)), HalfPrecision.toFloat16(Math.nextUp(Math.abs(sm)) * Math.signum(sm)));
      }
    }
  }

  @Test
  void float16Boundaries() {
    assertEquals((short) 0x7bff, HalfPrecision.toFloat16(65504f));
    assertEquals((short) 0x7bff, HalfPrecision.toFloat16(Math.nextDown(65520f)));
    assertEquals((short) 0x7c00, HalfPrecision.toFloat16(65520f));
    assertEquals((short) 0xfc00, HalfPrecision.toFloat16(-65520f));
    assertEquals((short) 0x7c00, HalfPrecision.toFloat16(Float.MAX_VALUE));
    assertEquals((short) 0x7c00, HalfPrecision.toFloat16(Float.POSITIVE_INFINITY));
    assertEquals((short) 0xfc00, HalfPrecision.toFloat16(Float.NEGATIVE_INFINITY));
    assertEquals((short) 0x0000, HalfPrecision.toFloat16(0f));
    assertEquals((short) 0x8000, HalfPrecision.toFloat16(-0f));
    assertEquals((short) 0x0400, HalfPrecision.toFloat16(0x1p-14f)); // smallest normal
    assertEquals((short) 0x0400, HalfPrecision.toFloat16(Math.nextDown(0x1p-14f))); // rounds up to it
    assertEquals((short) 0x03ff, HalfPrecision.toFloat16(0x1p-14f - 0x1p-24f)); // largest subnormal
    assertEquals((short) 0x0001, HalfPrecision.toFloat16(0x1p-24f)); // smallest subnormal
    assertEquals((short) 0x0000, HalfPrecision.toFloat16(0x1p-25f)); // tie → even (zero)
    assertEquals((short) 0x0001, HalfPrecision.toFloat16(Math.nextUp(0x1p-25f)));
    assertEquals((short) 0x8000, HalfPrecision.toFloat16(-0x1p-26f)); // underflow keeps the sign
    assertEquals((short) 0x0000, HalfPrecision.toFloat16(Float.MIN_VALUE));
    assertEquals((short) 0x3c00, HalfPrecision.toFloat16(1f));
    assertEquals((short) 0xc000, HalfPrecision.toFloat16(-2f));
  }

  @Test
  void float16NansStayNans() {
    int[] nans = {0x7fc00000, 0xffc00000, 0x7f800001, 0xff800001, 0x7fffffff, 0x7fa00000, 0x7f802000};
    for (int bits : nans) {
      short h = HalfPrecision.toFloat16(Float.intBitsToFloat(bits));
      assertTrue(isFloat16Nan(h), Integer.toHexString(bits) + " → " + hex(h));
      assertEquals(bits < 0, h < 0, Integer.toHexString(bits));
      assertEquals(0x200, h & 0x200, "quiet bit");
      assertTrue(Float.isNaN(HalfPrecision.fromFloat16(h)));
    }
  }

  @Test
  void float16MatchesReferenceAcrossFloat32BitPatterns() {
    // Every 251st bit pattern (about 17 M, all exponents and mantissa residues), then random ones.
    for (long bits = 0; bits <= 0xffffffffL; bits += 251) {
      checkFloat16((int) bits);
    }
    SplittableRandom r = new SplittableRandom(16);
    for (int i = 0; i < 2_000_000; i++) {
      checkFloat16(r.nextInt());
    }
  }

  private static void checkFloat16(int bits) {
    float f = Float.intBitsToFloat(bits);
    short h = HalfPrecision.toFloat16(f);
    if (Float.isNaN(f)) {
      assertTrue(isFloat16Nan(h), Integer.toHexString(bits));
    } else if (h != HalfReference.float16(f)) {
      assertEquals(hex(HalfReference.float16(f)), hex(h), Integer.toHexString(bits));
    }
  }

  // ---- bfloat16

  @Test
  void everyBfloat16DecodesToItsValueAndRoundTrips() {
    for (int v = 0; v < 0x10000; v++) {
      short b = (short) v;
      float f = HalfPrecision.fromBfloat16(b);
      assertEquals(v << 16, Float.floatToRawIntBits(f));
      if (Float.isNaN(f)) {
        assertEquals((short) (v | 0x40), HalfPrecision.toBfloat16(f), hex(b));
      } else {
        assertEquals(HalfReference.bfloat16Value(b), (double) f, hex(b));
        assertEquals(b, HalfPrecision.toBfloat16(f), hex(b));
      }
    }
  }

  @Test
  void bfloat16TiesGoToEvenAndNeighboursOfTiesRoundToNearest() {
    // The tie between b and b+1 is the float with b's bits and 0x8000 below them.
    for (int b = 0; b < 0x7f80; b++) {
      int even = (b & 1) == 0 ? b : b + 1;
      for (int s : new int[] {0, 0x8000}) {
        int tie = ((s | b) << 16) | 0x8000;
        assertEquals((short) (s | even), HalfPrecision.toBfloat16(Float.intBitsToFloat(tie)));
        assertEquals((short) (s | b), HalfPrecision.toBfloat16(Float.intBitsToFloat(tie - 1)));
        assertEquals((short) (s | (b + 1)), HalfPrecision.toBfloat16(Float.intBitsToFloat(tie + 1)));
      }
    }
  }

  @Test
  void bfloat16Boundaries() {
    assertEquals((short) 0x7f80, HalfPrecision.toBfloat16(Float.MAX_VALUE)); // rounds up to Inf
    assertEquals((short) 0xff80, HalfPrecision.toBfloat16(-Float.MAX_VALUE));
    assertEquals((short) 0x7f7f, HalfPrecision.toBfloat16(Float.intBitsToFloat(0x7f7f7fff)));
    assertEquals((short) 0x7f80, HalfPrecision.toBfloat16(Float.POSITIVE_INFINITY));
    assertEquals((short) 0xff80, HalfPrecision.toBfloat16(Float.NEGATIVE_INFINITY));
    assertEquals((short) 0x0000, HalfPrecision.toBfloat16(0f));
    assertEquals((short) 0x8000, HalfPrecision.toBfloat16(-0f));
    assertEquals((short) 0x0000, HalfPrecision.toBfloat16(Float.MIN_VALUE)); // float subnormals round too
    assertEquals((short) 0x0080, HalfPrecision.toBfloat16(Math.nextDown(Float.MIN_NORMAL)));
    assertEquals((short) 0x3f80, HalfPrecision.toBfloat16(1f));
  }

  @Test
  void bfloat16NansStayNans() {
    int[] nans = {0x7fc00000, 0xffc00000, 0x7f800001, 0xff800001, 0x7fffffff, 0xffffffff, 0x7f80ffff};
    for (int bits : nans) {
      short b = HalfPrecision.toBfloat16(Float.intBitsToFloat(bits));
      assertTrue(Float.isNaN(HalfPrecision.fromBfloat16(b)), Integer.toHexString(bits));
      assertEquals(bits < 0, b < 0, Integer.toHexString(bits));
      assertEquals((short) ((bits >>> 16) | 0x40), b, "truncated payload, quiet bit set");
    }
  }

  @Test
  void bfloat16MatchesReferenceAcrossFloat32BitPatterns() {
    for (long bits = 0; bits <= 0xffffffffL; bits += 251) {
      checkBfloat16((int) bits);
    }
    SplittableRandom r = new SplittableRandom(17);
    for (int i = 0; i < 2_000_000; i++) {
      checkBfloat16(r.nextInt());
    }
  }

  private static void checkBfloat16(int bits) {
    float f = Float.intBitsToFloat(bits);
    short b = HalfPrecision.toBfloat16(f);
    if (Float.isNaN(f)) {
      assertTrue(Float.isNaN(HalfPrecision.fromBfloat16(b)), Integer.toHexString(bits));
    } else if (b != HalfReference.bfloat16(f)) {
      assertEquals(hex(HalfReference.bfloat16(f)), hex(b), Integer.toHexString(bits));
    }
  }

  // ---- helpers

  private static boolean isFloat16Nan(short h) {
    return (h & 0x7c00) == 0x7c00 && (h & 0x3ff) != 0;
  }

  private static String hex(short s) {
    return String.format("0x%04x", s & 0xffff);
  }
}
