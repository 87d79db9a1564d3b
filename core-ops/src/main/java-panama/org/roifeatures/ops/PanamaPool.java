package org.roifeatures.ops;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * RoI Pool (max over quantised bins) over a channels-last (HWC) map, vectorised over channels: each
 * cell of a bin is one contiguous run of C floats. Uses the scalar kernel's comparison
 * ({@code v > best}), so results equal {@link DefaultRoiKernels}'s bit for bit, NaN and ±0 included.
 *
 * <p>The cells of every bin are listed once per RoI as flat offsets, so the vector loop is a single
 * loop per bin: C2 (JDK 17) keeps vector accumulators in registers across one loop, but boxes them when
 * they are carried through the nested row and column loops.
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
   * @param map channels-last map, C×H×W, whose channel blocks (if any) hold whole passes (not modified)
   * @param out receives C·PH·PW floats at {@code rowOut} in (C, PH, PW) order (modified)
   */
  static void roi(FeatureMap map, int ph, int pw, PanamaScratch scratch, float[] out, int rowOut) {
    final int channels = map.channels();
    final int bins = ph * pw;
    listCells(map, ph, pw, scratch);
    final float[] block = scratch.block(bins, BLOCK);
    int c = 0;
    for (; c + BLOCK <= channels; c += BLOCK) {
      max4(map.data(), map.channelBase(c), bins, scratch, block);
      PanamaAlign.transpose(block, bins, BLOCK, out, rowOut + c * bins);
    }
    for (; c + L <= channels; c += L) {
      max1(map.data(), map.channelBase(c), bins, scratch, block);
      PanamaAlign.transpose(block, bins, L, out, rowOut + c * bins);
    }
    // Channel tail (C mod L): the scalar kernel's loop.
    for (; c < channels; c++) {
      DefaultRoiKernels.maxPoolBins(map, c, scratch.hStart, scratch.hEnd, scratch.wStart,
          scratch.wEnd, out, rowOut + c * bins);
    }
  }

  /** Fills {@code cellStart}/{@code cellPos} with every bin's cells, row by row as the scalar loop. */
  private static void listCells(FeatureMap map, int ph, int pw, PanamaScratch s) {
    final int px = map.pixelStride();
    final int width = map.width();
    long cells = 0;
    for (int i = 0; i < ph; i++) {
      for (int j = 0; j < pw; j++) {
        cells += (long) Math.max(0, s.hEnd[i] - s.hStart[i]) * Math.max(0, s.wEnd[j] - s.wStart[j]);
      }
    }
    s.ensureCells(ph * pw, cells);
    int n = 0;
    for (int i = 0; i < ph; i++) {
      for (int j = 0; j < pw; j++) {
        s.cellStart[i * pw + j] = n;
        for (int h = s.hStart[i]; h < s.hEnd[i]; h++) {
          for (int w = s.wStart[j]; w < s.wEnd[j]; w++) {
            s.cellPos[n++] = (h * width + w) * px;
          }
        }
      }
    }
    s.cellStart[ph * pw] = n;
  }

  private static FloatVector keepGreater(FloatVector best, float[] d, int at) {
    FloatVector v = FloatVector.fromArray(SPECIES, d, at);
    return best.blend(v, v.compare(VectorOperators.GT, best));
  }

  /** Start value of a bin's max: the scalar kernel's -MAX_VALUE, or 0 for an empty bin. */
  private static float first(PanamaScratch s, int bin) {
    return s.cellStart[bin + 1] > s.cellStart[bin] ? -Float.MAX_VALUE : 0f;
  }

  private static void max4(float[] d, int base, int bins, PanamaScratch s, float[] block) {
    final int[] pos = s.cellPos;
    for (int bin = 0; bin < bins; bin++) {
      FloatVector b0 = FloatVector.broadcast(SPECIES, first(s, bin));
      FloatVector b1 = b0;
      FloatVector b2 = b0;
      FloatVector b3 = b0;
      for (int k = s.cellStart[bin], e = s.cellStart[bin + 1]; k < e; k++) {
        int at = base + pos[k];
        b0 = keepGreater(b0, d, at);
        b1 = keepGreater(b1, d, at + L);
        b2 = keepGreater(b2, d, at + 2 * L);
        b3 = keepGreater(b3, d, at + 3 * L);
      }
      int o = bin * BLOCK;
      b0.intoArray(block, o);
      b1.intoArray(block, o + L);
      b2.intoArray(block, o + 2 * L);
      b3.intoArray(block, o + 3 * L);
    }
  }

  private static void max1(float[] d, int base, int bins, PanamaScratch s, float[] block) {
    final int[] pos = s.cellPos;
    for (int bin = 0; bin < bins; bin++) {
      FloatVector b0 = FloatVector.broadcast(SPECIES, first(s, bin));
      for (int k = s.cellStart[bin], e = s.cellStart[bin + 1]; k < e; k++) {
        b0 = keepGreater(b0, d, base + pos[k]);
      }
      b0.intoArray(block, bin * L);
    }
  }
}
