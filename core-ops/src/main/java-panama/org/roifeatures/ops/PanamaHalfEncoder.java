package org.roifeatures.ops;

import static jdk.incubator.vector.VectorOperators.I2S;
import static jdk.incubator.vector.VectorOperators.LSHR;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector API encoder: the formulas of {@link ScalarHalfEncoder} lanewise on the float bits, masks and
 * blends in place of its bit masks, then the int lanes narrowed to shorts. Loaded by name by
 * {@link RoiKernelsProvider} only when {@code jdk.incubator.vector} is present.
 *
 * <p>Stores go through {@code reinterpretAsBytes().intoArray(byte[], int)}: reinterpreting is defined
 * in little-endian lane order on every platform, and unlike {@code ShortVector.intoByteArray} (JDK 17
 * only) it exists on later JDKs as well.
 */
final class PanamaHalfEncoder implements HalfEncoder {

  private static final int MIN_VECTOR_BITS = 128;
  private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
  /** Shorts of the same lane count: half the bits. */
  private static final VectorSpecies<Short> S =
      VectorSpecies.of(short.class, VectorShape.forBitSize(F.vectorBitSize() / 2));
  private static final int L = F.length();

  private PanamaHalfEncoder() {}

  /** The encoder, or null when the preferred vector is narrower than 128 bits. */
  public static HalfEncoder createIfSupported() {
    return F.vectorBitSize() < MIN_VECTOR_BITS ? null : new PanamaHalfEncoder();
  }

  @Override
  public String name() {
    return "panama-" + F.vectorBitSize();
  }

  @Override
  public void float16(float[] src, int from, int count, byte[] dst, int at) {
    int bound = count - count % L;
    int i = 0;
    for (; i < bound; i += L) {
      IntVector bits = FloatVector.fromArray(F, src, from + i).reinterpretAsInts();
      store(float16Bits(bits), dst, at + 2 * i);
    }
    ScalarHalfEncoder.INSTANCE.float16(src, from + i, count - i, dst, at + 2 * i);
  }

  @Override
  public void bfloat16(float[] src, int from, int count, byte[] dst, int at) {
    int bound = count - count % L;
    int i = 0;
    for (; i < bound; i += L) {
      IntVector bits = FloatVector.fromArray(F, src, from + i).reinterpretAsInts();
      store(bfloat16Bits(bits), dst, at + 2 * i);
    }
    ScalarHalfEncoder.INSTANCE.bfloat16(src, from + i, count - i, dst, at + 2 * i);
  }

  @Override
  public void float32(float[] src, int from, int count, byte[] dst, int at) {
    int bound = count - count % L;
    int i = 0;
    for (; i < bound; i += L) {
      FloatVector.fromArray(F, src, from + i).reinterpretAsBytes().intoArray(dst, at + 4 * i);
    }
    ScalarHalfEncoder.INSTANCE.float32(src, from + i, count - i, dst, at + 4 * i);
  }

  /** Lanewise {@link ScalarHalfEncoder#float16Bits}. */
  private static IntVector float16Bits(IntVector bits) {
    IntVector abs = bits.and(0x7fffffff);
    IntVector kept = abs.lanewise(LSHR, 13);
    IntVector normal = abs.add(0xfff - ScalarHalfEncoder.F16_REBIAS)
        .add(kept.and(1))
        .lanewise(LSHR, 13)
        .min(ScalarHalfEncoder.F16_INF);
    IntVector subnormal = abs.reinterpretAsFloats()
        .add(ScalarHalfEncoder.SUBNORMAL_MAGIC)
        .reinterpretAsInts()
        .sub(ScalarHalfEncoder.SUBNORMAL_MAGIC_BITS);
    IntVector nan = kept.and(0x3ff).or(ScalarHalfEncoder.F16_INF | 0x200);
    VectorMask<Integer> small = abs.compare(VectorOperators.LT, ScalarHalfEncoder.F16_MIN_NORMAL);
    VectorMask<Integer> isNan = abs.compare(VectorOperators.GT, ScalarHalfEncoder.INF);
    return normal.blend(subnormal, small)
        .blend(nan, isNan)
        .or(bits.lanewise(LSHR, 16).and(0x8000));
  }

  /** Lanewise {@link ScalarHalfEncoder#bfloat16Bits}. */
  private static IntVector bfloat16Bits(IntVector bits) {
    IntVector rounded = bits.add(0x7fff).add(bits.lanewise(LSHR, 16).and(1)).lanewise(LSHR, 16);
    IntVector nan = bits.lanewise(LSHR, 16).or(0x40);
    return rounded.blend(nan, bits.and(0x7fffffff).compare(VectorOperators.GT, ScalarHalfEncoder.INF));
  }

  /** Narrows the low 16 bits of each lane and stores them little-endian at {@code dst[at..]}. */
  private static void store(IntVector halves, byte[] dst, int at) {
    ShortVector s = (ShortVector) halves.convertShape(I2S, S, 0);
    s.reinterpretAsBytes().intoArray(dst, at);
  }
}
