package org.roifeatures.ops;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * RoI Pool (max over quantised bins) over a channels-last (HWC) map, vectorised over channels: each
 * cell of a bin is one contiguous run of C floats. Uses the scalar kernel's comparison
 * ({@code v > best}), so results equal {@link DefaultRoiKernels}'s bit for bit, NaN and ±0 included.
 */
final class PanamaPool {

  private static final VectorSpecies<Float> SPECIES = PanamaAlign.SPECIES;
  private static final int L = PanamaAlign.L;
  private static final int UNROLL = PanamaTuning.CHANNEL_UNROLL;
  private static final int BLOCK = UNROLL * L;

  private PanamaPool() {}

  /**
   * Pools one RoI whose bin edges (clamped cell ranges, exclusive ends) are in the scratch arrays.
   *
   * @param map HWC map, C×H×W (not modified)
   * @param out receives C·PH·PW floats at {@code rowOut} in (C, PH, PW) order (modified)
   */
  static void roi(FeatureMap map, int ph, int pw, PanamaScratch scratch, float[] out, int rowOut) {
    final int channels = map.channels();
    final int bins = ph * pw;
    final float[] block = scratch.block(bins, BLOCK);
    int c = 0;
    for (; c + BLOCK <= channels; c += BLOCK) {
      max4(map, map.offset() + c, ph, pw, scratch, block);
      PanamaAlign.transpose(block, bins, BLOCK, out, rowOut + c * bins);
    }
    for (; c + L <= channels; c += L) {
      max1(map, map.offset() + c, ph, pw, scratch, block);
      PanamaAlign.transpose(block, bins, L, out, rowOut + c * bins);
    }
    for (; c < channels; c++) {
      DefaultRoiKernels.maxPoolBins(map, c, scratch.hStart, scratch.hEnd, scratch.wStart,
          scratch.wEnd, out, rowOut + c * bins);
    }
  }

  private static FloatVector keepGreater(FloatVector best, float[] d, int at) {
    FloatVector v = FloatVector.fromArray(SPECIES, d, at);
    return best.blend(v, v.compare(VectorOperators.GT, best));
  }

  private static void max4(FeatureMap map, int base, int ph, int pw, PanamaScratch s,
      float[] block) {
    final float[] d = map.data();
    final int px = map.pixelStride();
    final int rowStride = map.width() * px;
    for (int i = 0; i < ph; i++) {
      for (int j = 0; j < pw; j++) {
        boolean empty = s.hEnd[i] <= s.hStart[i] || s.wEnd[j] <= s.wStart[j];
        FloatVector b0 = FloatVector.broadcast(SPECIES, empty ? 0f : -Float.MAX_VALUE);
        FloatVector b1 = b0;
        FloatVector b2 = b0;
        FloatVector b3 = b0;
        for (int h = s.hStart[i]; h < s.hEnd[i]; h++) {
          int row = base + h * rowStride;
          for (int w = s.wStart[j], at = row + w * px; w < s.wEnd[j]; w++, at += px) {
            b0 = keepGreater(b0, d, at);
            b1 = keepGreater(b1, d, at + L);
            b2 = keepGreater(b2, d, at + 2 * L);
            b3 = keepGreater(b3, d, at + 3 * L);
          }
        }
        int o = (i * pw + j) * BLOCK;
        b0.intoArray(block, o);
        b1.intoArray(block, o + L);
        b2.intoArray(block, o + 2 * L);
        b3.intoArray(block, o + 3 * L);
      }
    }
  }

  private static void max1(FeatureMap map, int base, int ph, int pw, PanamaScratch s,
      float[] block) {
    final float[] d = map.data();
    final int px = map.pixelStride();
    final int rowStride = map.width() * px;
    for (int i = 0; i < ph; i++) {
      for (int j = 0; j < pw; j++) {
        boolean empty = s.hEnd[i] <= s.hStart[i] || s.wEnd[j] <= s.wStart[j];
        FloatVector b0 = FloatVector.broadcast(SPECIES, empty ? 0f : -Float.MAX_VALUE);
        for (int h = s.hStart[i]; h < s.hEnd[i]; h++) {
          int row = base + h * rowStride;
          for (int w = s.wStart[j], at = row + w * px; w < s.wEnd[j]; w++, at += px) {
            b0 = keepGreater(b0, d, at);
          }
        }
        b0.intoArray(block, (i * pw + j) * L);
      }
    }
  }
}
