package org.roifeatures.ops;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Bin-major to channel-major in 16×16 tiles held in registers: sixteen 16-float rows (one bin's 16
 * channels each) go through four butterfly stages of two-vector shuffles (each stage swaps the
 * off-diagonal d×d sub-blocks, d = 8, 4, 2, 1) and come out as sixteen columns (one channel's 16
 * bins each), stored whole. Written with sixteen named locals because C2 boxes arrays of vectors.
 *
 * <p>Only for 16-float (512-bit) vectors, and only where C2 keeps the shuffles in registers: on JDK 25
 * this measured 0.5 ns per float against 1.3 for scalar copies; on JDK 17 the two-vector rearrange is
 * not intrinsic and it measured 5× slower than the copies, so {@link PanamaTuning#REGISTER_TRANSPOSE}
 * enables it by JDK version. Moves floats only: results are identical either way.
 */
final class Transpose16 {

  static final VectorSpecies<Float> S16 = FloatVector.SPECIES_512;
  private static final VectorShuffle<Float> L8 = swapLow(8);
  private static final VectorShuffle<Float> H8 = swapHigh(8);
  private static final VectorShuffle<Float> L4 = swapLow(4);
  private static final VectorShuffle<Float> H4 = swapHigh(4);
  private static final VectorShuffle<Float> L2 = swapLow(2);
  private static final VectorShuffle<Float> H2 = swapHigh(2);
  private static final VectorShuffle<Float> L1 = swapLow(1);
  private static final VectorShuffle<Float> H1 = swapHigh(1);

  private Transpose16() {}

  /**
   * For rows a (lanes with bit d clear keep a, the others take b's lanes d to the left) — the first
   * row of a pair after swapping its off-diagonal d×d blocks. Negative indexes select from the second
   * vector of {@code rearrange(shuffle, v)}.
   */
  private static VectorShuffle<Float> swapLow(int d) {
    int[] idx = new int[16];
    for (int j = 0; j < 16; j++) {
      idx[j] = (j & d) == 0 ? j : (j - d) - 16;
    }
    return VectorShuffle.fromArray(S16, idx, 0);
  }

  /** The second row of the pair: a's lanes d to the right, then b's own lanes. */
  private static VectorShuffle<Float> swapHigh(int d) {
    int[] idx = new int[16];
    for (int j = 0; j < 16; j++) {
      idx[j] = (j & d) == 0 ? j + d : j - 16;
    }
    return VectorShuffle.fromArray(S16, idx, 0);
  }

  /**
   * {@code b[bin·width + k]} becomes {@code out[at + k·bins + bin]}, as {@link PanamaAlign#transpose};
   * {@code width} must be a multiple of 16.
   */
  static void transpose(float[] b, int bins, int width, float[] out, int at) {
    int bin0 = 0;
    for (; bin0 + 16 <= bins; bin0 += 16) {
      for (int k0 = 0; k0 < width; k0 += 16) {
        int i = bin0 * width + k0;
        FloatVector r0 = FloatVector.fromArray(S16, b, i), r1 = FloatVector.fromArray(S16, b, i + width),
          r2 = FloatVector.fromArray(S16, b, i + 2*width), r3 = FloatVector.fromArray(S16, b, i + 3*width),
          r4 = FloatVector.fromArray(S16, b, i + 4*width), r5 = FloatVector.fromArray(S16, b, i + 5*width),
          r6 = FloatVector.fromArray(S16, b, i + 6*width), r7 = FloatVector.fromArray(S16, b, i + 7*width),
          r8 = FloatVector.fromArray(S16, b, i + 8*width), r9 = FloatVector.fromArray(S16, b, i + 9*width),
          r10 = FloatVector.fromArray(S16, b, i + 10*width), r11 = FloatVector.fromArray(S16, b, i + 11*width),
          r12 = FloatVector.fromArray(S16, b, i + 12*width), r13 = FloatVector.fromArray(S16, b, i + 13*width),
          r14 = FloatVector.fromArray(S16, b, i + 14*width), r15 = FloatVector.fromArray(S16, b, i + 15*width);
        FloatVector t;
        // d = 8: pairs (i, i+8)
        t = r0.rearrange(L8, r8); r8 = r0.rearrange(H8, r8); r0 = t;
        t = r1.rearrange(L8, r9); r9 = r1.rearrange(H8, r9); r1 = t;
        t = r2.rearrange(L8, r10); r10 = r2.rearrange(H8, r10); r2 = t;
        t = r3.rearrange(L8, r11); r11 = r3.rearrange(H8, r11); r3 = t;
        t = r4.rearrange(L8, r12); r12 = r4.rearrange(H8, r12); r4 = t;
        t = r5.rearrange(L8, r13); r13 = r5.rearrange(H8, r13); r5 = t;
        t = r6.rearrange(L8, r14); r14 = r6.rearrange(H8, r14); r6 = t;
        t = r7.rearrange(L8, r15); r15 = r7.rearrange(H8, r15); r7 = t;
        // d = 4
        t = r0.rearrange(L4, r4); r4 = r0.rearrange(H4, r4); r0 = t;
        t = r1.rearrange(L4, r5); r5 = r1.rearrange(H4, r5); r1 = t;
        t = r2.rearrange(L4, r6); r6 = r2.rearrange(H4, r6); r2 = t;
        t = r3.rearrange(L4, r7); r7 = r3.rearrange(H4, r7); r3 = t;
        t = r8.rearrange(L4, r12); r12 = r8.rearrange(H4, r12); r8 = t;
        t = r9.rearrange(L4, r13); r13 = r9.rearrange(H4, r13); r9 = t;
        t = r10.rearrange(L4, r14); r14 = r10.rearrange(H4, r14); r10 = t;
        t = r11.rearrange(L4, r15); r15 = r11.rearrange(H4, r15); r11 = t;
        // d = 2
        t = r0.rearrange(L2, r2); r2 = r0.rearrange(H2, r2); r0 = t;
        t = r1.rearrange(L2, r3); r3 = r1.rearrange(H2, r3); r1 = t;
        t = r4.rearrange(L2, r6); r6 = r4.rearrange(H2, r6); r4 = t;
        t = r5.rearrange(L2, r7); r7 = r5.rearrange(H2, r7); r5 = t;
        t = r8.rearrange(L2, r10); r10 = r8.rearrange(H2, r10); r8 = t;
        t = r9.rearrange(L2, r11); r11 = r9.rearrange(H2, r11); r9 = t;
        t = r12.rearrange(L2, r14); r14 = r12.rearrange(H2, r14); r12 = t;
        t = r13.rearrange(L2, r15); r15 = r13.rearrange(H2, r15); r13 = t;
        // d = 1
        t = r0.rearrange(L1, r1); r1 = r0.rearrange(H1, r1); r0 = t;
        t = r2.rearrange(L1, r3); r3 = r2.rearrange(H1, r3); r2 = t;
        t = r4.rearrange(L1, r5); r5 = r4.rearrange(H1, r5); r4 = t;
        t = r6.rearrange(L1, r7); r7 = r6.rearrange(H1, r7); r6 = t;
        t = r8.rearrange(L1, r9); r9 = r8.rearrange(H1, r9); r8 = t;
        t = r10.rearrange(L1, r11); r11 = r10.rearrange(H1, r11); r10 = t;
        t = r12.rearrange(L1, r13); r13 = r12.rearrange(H1, r13); r12 = t;
        t = r14.rearrange(L1, r15); r15 = r14.rearrange(H1, r15); r14 = t;
        int o = at + k0 * bins + bin0;
        r0.intoArray(out, o); r1.intoArray(out, o + bins); r2.intoArray(out, o + 2*bins); r3.intoArray(out, o + 3*bins);
        r4.intoArray(out, o + 4*bins); r5.intoArray(out, o + 5*bins); r6.intoArray(out, o + 6*bins); r7.intoArray(out, o + 7*bins);
        r8.intoArray(out, o + 8*bins); r9.intoArray(out, o + 9*bins); r10.intoArray(out, o + 10*bins); r11.intoArray(out, o + 11*bins);
        r12.intoArray(out, o + 12*bins); r13.intoArray(out, o + 13*bins); r14.intoArray(out, o + 14*bins); r15.intoArray(out, o + 15*bins);
      }
    }
    // Bins left over (bins mod 16): plain copies.
    for (; bin0 < bins; bin0++) {
      for (int k = 0, i = bin0 * width; k < width; k++, i++) {
        out[at + k * bins + bin0] = b[i];
      }
    }
  }
}
