package org.roifeatures.ops;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * RoI Align over a channels-last (HWC) map, vectorised over channels: every sample's four corners are
 * contiguous runs of C floats, so one vector load reads one corner for {@code L} channels, and the
 * sample's weights are broadcast once for all of them.
 *
 * <p>Each lane performs exactly the scalar kernel's float operations in the same order (products,
 * left-to-right sums, no FMA, then one division, or a multiply by the exact reciprocal of a power-of-two
 * count; the average over each bin's distinct cells, see {@link SamplePlan}), so the results equal
 * {@link DefaultRoiKernels}'s bit for bit.
 * Results of one channel block are first written bin-major ({@code [bins × block]}) and then
 * transposed into the (C, PH, PW) output row.
 */
final class PanamaAlign {

  static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
  static final int L = SPECIES.length();
  private static final int UNROLL = PanamaTuning.CHANNEL_UNROLL;
  private static final int BLOCK = UNROLL * L;
  private static final int WIDE_BLOCK = PanamaTuning.AVERAGE_CHANNEL_UNROLL * L;

  private PanamaAlign() {}

  /**
   * Pools one RoI whose plan is built with the map's pixel stride.
   *
   * @param map   channels-last map, C×H×W, whose channel blocks (if any) hold whole passes (see
   *              {@link ChannelsLast}; not modified)
   * @param count divisor of the average (ignored by the max modes)
   * @param out   receives C·PH·PW floats at {@code rowOut} in (C, PH, PW) order (modified)
   */
  static void roi(FeatureMap map, SamplePlan plan, int bins, PoolingMode mode, float count,
      PanamaScratch scratch, float[] out, int rowOut) {
    if (mode == PoolingMode.AVG && RoiKernelsProvider.REFERENCE_SUMMATION) {
      sampleAverage(map, plan, bins, count, scratch, out, rowOut);
      return;
    }
    final int channels = map.channels();
    final float[] d = map.data();
    final boolean cellAverage = mode == PoolingMode.AVG;
    final float[] block = scratch.block(bins, cellAverage ? WIDE_BLOCK : BLOCK);
    final float reciprocal = SamplePlan.exactReciprocal(count);
    int c = 0;
    if (cellAverage) {
      for (; c + WIDE_BLOCK <= channels; c += WIDE_BLOCK) {
        average8(d, map.channelBase(c), plan, bins, block);
        divideSums(block, bins * WIDE_BLOCK, count, reciprocal);
        transpose(block, bins, WIDE_BLOCK, out, rowOut + c * bins);
      }
    }
    for (; c + BLOCK <= channels; c += BLOCK) {
      int base = map.channelBase(c);
      switch (mode) {
        case AVG -> {
          average4(d, base, plan, bins, block);
          divideSums(block, bins * BLOCK, count, reciprocal);
        }
        case MAX -> maxInterpolated4(d, base, plan, bins, block);
        case ONNX_MAX -> maxCorner4(d, base, plan, bins, block);
        default -> throw new AssertionError(mode);
      }
      transpose(block, bins, BLOCK, out, rowOut + c * bins);
    }
    for (; c + L <= channels; c += L) {
      int base = map.channelBase(c);
      switch (mode) {
        case AVG -> {
          average1(d, base, plan, bins, block);
          divideSums(block, bins * L, count, reciprocal);
        }
        case MAX -> maxInterpolated1(d, base, plan, bins, block);
        case ONNX_MAX -> maxCorner1(d, base, plan, bins, block);
        default -> throw new AssertionError(mode);
      }
      transpose(block, bins, L, out, rowOut + c * bins);
    }
    // Channel tail (C mod L): the scalar kernel's own per-channel loops.
    for (; c < channels; c++) {
      switch (mode) {
        case AVG -> DefaultRoiKernels.averageBins(map, c, plan, count, out, rowOut + c * bins);
        case MAX -> DefaultRoiKernels.maxInterpolatedBins(map, c, plan, bins, out, rowOut + c * bins);
        case ONNX_MAX -> DefaultRoiKernels.maxCornerBins(map, c, plan, bins, out, rowOut + c * bins);
        default -> throw new AssertionError(mode);
      }
    }
  }

  /**
   * Bin means summed per sample (each sample's four weighted corners, sample after sample, then one
   * division), as {@link DefaultRoiKernels#sampleAverageBins}: RoI Align in torchvision's order
   * ({@code -Droifeatures.align.summation=reference}) and rotated RoI Align, whose samples come from
   * a {@link RotatedSamplePlan}.
   */
  static void sampleAverage(FeatureMap map, BinSamples plan, int bins, float count,
      PanamaScratch scratch, float[] out, int rowOut) {
    final int channels = map.channels();
    final float[] d = map.data();
    final float[] block = scratch.block(bins, BLOCK);
    int c = 0;
    for (; c + BLOCK <= channels; c += BLOCK) {
      averageSamples4(d, map.channelBase(c), plan, bins, count, block);
      transpose(block, bins, BLOCK, out, rowOut + c * bins);
    }
    for (; c + L <= channels; c += L) {
      averageSamples1(d, map.channelBase(c), plan, bins, count, block);
      transpose(block, bins, L, out, rowOut + c * bins);
    }
    for (; c < channels; c++) {
      DefaultRoiKernels.sampleAverageBins(d, map.channelBase(c), plan, bins, count, out,
          rowOut + c * bins);
    }
  }

  /**
   * {@code block[bin·width + k]} becomes {@code out[at + k·bins + bin]}: bin-major to channel-major.
   * In registers where that is fast ({@link PanamaTuning#REGISTER_TRANSPOSE}), else plain scalar
   * copies (unrolling them over four channels or bin groups measured no better).
   */
  static void transpose(float[] block, int bins, int width, float[] out, int at) {
    if (PanamaTuning.REGISTER_TRANSPOSE) {
      if (L == 16) {
        Transpose16.transpose(block, bins, width, out, at);
      } else {
        Transpose8.transpose(block, bins, width, out, at);
      }
      return;
    }
    scalarTranspose(block, bins, width, out, at);
  }

  /** The copies of {@link #transpose}, one float at a time. */
  static void scalarTranspose(float[] block, int bins, int width, float[] out, int at) {
    for (int k = 0; k < width; k++) {
      int o = at + k * bins;
      for (int bin = 0, i = k; bin < bins; bin++, i += width) {
        out[o + bin] = block[i];
      }
    }
  }

  /** One sample's bilinear value for L channels, in the scalar kernel's order of operations. */
  private static FloatVector interpolate(float[] d, int at, FloatVector w1, int p1, FloatVector w2,
      int p2, FloatVector w3, int p3, FloatVector w4, int p4) {
    return w1.mul(FloatVector.fromArray(SPECIES, d, p1 + at))
        .add(w2.mul(FloatVector.fromArray(SPECIES, d, p2 + at)))
        .add(w3.mul(FloatVector.fromArray(SPECIES, d, p3 + at)))
        .add(w4.mul(FloatVector.fromArray(SPECIES, d, p4 + at)));
  }

  /** The sample's largest weighted corner term (ONNX max) for L channels. */
  private static FloatVector maxTerm(float[] d, int at, FloatVector w1, int p1, FloatVector w2,
      int p2, FloatVector w3, int p3, FloatVector w4, int p4) {
    return w1.mul(FloatVector.fromArray(SPECIES, d, p1 + at))
        .max(w2.mul(FloatVector.fromArray(SPECIES, d, p2 + at)))
        .max(w3.mul(FloatVector.fromArray(SPECIES, d, p3 + at)))
        .max(w4.mul(FloatVector.fromArray(SPECIES, d, p4 + at)));
  }

  /** The scalar kernel's {@code if (v > best) best = v}: keeps NaN out and the first of ±0. */
  private static FloatVector keepGreater(FloatVector best, FloatVector v) {
    VectorMask<Float> greater = v.compare(VectorOperators.GT, best);
    return best.blend(v, greater);
  }

  private static float emptyOrFirst(SamplePlan plan, int bin) {
    return plan.complete[bin] && plan.binStart[bin + 1] > plan.binStart[bin]
        ? Float.NEGATIVE_INFINITY : 0f;
  }

  /**
   * Turns the bin sums of one channel block into means, rounded exactly as the scalar kernel's
   * division (see {@link SamplePlan#exactReciprocal}; a count of 1 leaves the sums as they are). A
   * pass of its own over the block, which is still in cache: dividing in the pooling loops made them
   * too large for JDK 17's C2 to inline the vector calls (boxed vectors, an allocation per bin).
   */
  private static void divideSums(float[] block, int length, float count, float reciprocal) {
    if (reciprocal == 1f) {
      return;
    }
    if (reciprocal != 0f) {
      for (int i = 0; i < length; i += L) {
        FloatVector.fromArray(SPECIES, block, i).mul(reciprocal).intoArray(block, i);
      }
    } else {
      for (int i = 0; i < length; i += L) {
        FloatVector.fromArray(SPECIES, block, i).div(count).intoArray(block, i);
      }
    }
  }

  // The average comes in three widths: eight channel vectors per pass (the main loop: one weight
  // broadcast and one offset load serve eight loads, and the accumulators still fit the registers),
  // four and one (the remainders when C is not a multiple of the wider block). Each bin is one flat
  // loop over its cells, in DefaultRoiKernels#cellSum's order; they store sums (see divideSums).
  // The widths repeat one loop body on purpose: C2 keeps vectors in registers only as named locals.
  // The max modes come in two widths (four and one): they keep a maximum per sample, which needs
  // more registers per channel vector.

  private static void average8(float[] d, int base, SamplePlan plan, int bins, float[] block) {
    final int[] start = plan.binCellStart;
    final int[] offsets = plan.binCellOffset;
    final float[] weights = plan.binCellWeight;
    for (int bin = 0, o = 0; bin < bins; bin++, o += WIDE_BLOCK) {
      FloatVector a0 = FloatVector.zero(SPECIES);
      FloatVector a1 = a0;
      FloatVector a2 = a0;
      FloatVector a3 = a0;
      FloatVector a4 = a0;
      FloatVector a5 = a0;
      FloatVector a6 = a0;
      FloatVector a7 = a0;
      for (int i = start[bin], e = start[bin + 1]; i < e; i++) {
        FloatVector w = FloatVector.broadcast(SPECIES, weights[i]);
        int p = base + offsets[i];
        a0 = a0.add(w.mul(FloatVector.fromArray(SPECIES, d, p)));
        a1 = a1.add(w.mul(FloatVector.fromArray(SPECIES, d, p + L)));
        a2 = a2.add(w.mul(FloatVector.fromArray(SPECIES, d, p + 2 * L)));
        a3 = a3.add(w.mul(FloatVector.fromArray(SPECIES, d, p + 3 * L)));
        a4 = a4.add(w.mul(FloatVector.fromArray(SPECIES, d, p + 4 * L)));
        a5 = a5.add(w.mul(FloatVector.fromArray(SPECIES, d, p + 5 * L)));
        a6 = a6.add(w.mul(FloatVector.fromArray(SPECIES, d, p + 6 * L)));
        a7 = a7.add(w.mul(FloatVector.fromArray(SPECIES, d, p + 7 * L)));
      }
      a0.intoArray(block, o);
      a1.intoArray(block, o + L);
      a2.intoArray(block, o + 2 * L);
      a3.intoArray(block, o + 3 * L);
      a4.intoArray(block, o + 4 * L);
      a5.intoArray(block, o + 5 * L);
      a6.intoArray(block, o + 6 * L);
      a7.intoArray(block, o + 7 * L);
    }
  }

  private static void average4(float[] d, int base, SamplePlan plan, int bins, float[] block) {
    final int[] start = plan.binCellStart;
    final int[] offsets = plan.binCellOffset;
    final float[] weights = plan.binCellWeight;
    for (int bin = 0, o = 0; bin < bins; bin++, o += BLOCK) {
      FloatVector a0 = FloatVector.zero(SPECIES);
      FloatVector a1 = a0;
      FloatVector a2 = a0;
      FloatVector a3 = a0;
      for (int i = start[bin], e = start[bin + 1]; i < e; i++) {
        FloatVector w = FloatVector.broadcast(SPECIES, weights[i]);
        int p = base + offsets[i];
        a0 = a0.add(w.mul(FloatVector.fromArray(SPECIES, d, p)));
        a1 = a1.add(w.mul(FloatVector.fromArray(SPECIES, d, p + L)));
        a2 = a2.add(w.mul(FloatVector.fromArray(SPECIES, d, p + 2 * L)));
        a3 = a3.add(w.mul(FloatVector.fromArray(SPECIES, d, p + 3 * L)));
      }
      a0.intoArray(block, o);
      a1.intoArray(block, o + L);
      a2.intoArray(block, o + 2 * L);
      a3.intoArray(block, o + 3 * L);
    }
  }

  private static void average1(float[] d, int base, SamplePlan plan, int bins, float[] block) {
    final int[] start = plan.binCellStart;
    final int[] offsets = plan.binCellOffset;
    final float[] weights = plan.binCellWeight;
    for (int bin = 0, o = 0; bin < bins; bin++, o += L) {
      FloatVector a0 = FloatVector.zero(SPECIES);
      for (int i = start[bin], e = start[bin + 1]; i < e; i++) {
        a0 = a0.add(FloatVector.broadcast(SPECIES, weights[i])
            .mul(FloatVector.fromArray(SPECIES, d, base + offsets[i])));
      }
      a0.intoArray(block, o);
    }
  }

  // Per-sample order (torchvision's with -Droifeatures.align.summation=reference, and rotated RoIs):
  // per sample the four weighted corners, summed sample by sample, as
  // DefaultRoiKernels.sampleAverageBins.

  private static void averageSamples4(float[] d, int base, BinSamples plan, int bins, float count,
      float[] block) {
    for (int bin = 0; bin < bins; bin++) {
      FloatVector a0 = FloatVector.zero(SPECIES);
      FloatVector a1 = a0;
      FloatVector a2 = a0;
      FloatVector a3 = a0;
      for (int s = plan.binStart[bin], e = plan.binStart[bin + 1]; s < e; s++) {
        FloatVector w1 = FloatVector.broadcast(SPECIES, plan.w1[s]);
        FloatVector w2 = FloatVector.broadcast(SPECIES, plan.w2[s]);
        FloatVector w3 = FloatVector.broadcast(SPECIES, plan.w3[s]);
        FloatVector w4 = FloatVector.broadcast(SPECIES, plan.w4[s]);
        int p1 = base + plan.pos1[s];
        int p2 = base + plan.pos2[s];
        int p3 = base + plan.pos3[s];
        int p4 = base + plan.pos4[s];
        a0 = a0.add(interpolate(d, 0, w1, p1, w2, p2, w3, p3, w4, p4));
        a1 = a1.add(interpolate(d, L, w1, p1, w2, p2, w3, p3, w4, p4));
        a2 = a2.add(interpolate(d, 2 * L, w1, p1, w2, p2, w3, p3, w4, p4));
        a3 = a3.add(interpolate(d, 3 * L, w1, p1, w2, p2, w3, p3, w4, p4));
      }
      int o = bin * BLOCK;
      a0.div(count).intoArray(block, o);
      a1.div(count).intoArray(block, o + L);
      a2.div(count).intoArray(block, o + 2 * L);
      a3.div(count).intoArray(block, o + 3 * L);
    }
  }

  private static void averageSamples1(float[] d, int base, BinSamples plan, int bins, float count,
      float[] block) {
    for (int bin = 0; bin < bins; bin++) {
      FloatVector a0 = FloatVector.zero(SPECIES);
      for (int s = plan.binStart[bin], e = plan.binStart[bin + 1]; s < e; s++) {
        a0 = a0.add(interpolate(d, 0,
            FloatVector.broadcast(SPECIES, plan.w1[s]), base + plan.pos1[s],
            FloatVector.broadcast(SPECIES, plan.w2[s]), base + plan.pos2[s],
            FloatVector.broadcast(SPECIES, plan.w3[s]), base + plan.pos3[s],
            FloatVector.broadcast(SPECIES, plan.w4[s]), base + plan.pos4[s]));
      }
      a0.div(count).intoArray(block, bin * L);
    }
  }

  private static void maxInterpolated4(float[] d, int base, SamplePlan plan, int bins,
      float[] block) {
    for (int bin = 0; bin < bins; bin++) {
      FloatVector a0 = FloatVector.broadcast(SPECIES, emptyOrFirst(plan, bin));
      FloatVector a1 = a0;
      FloatVector a2 = a0;
      FloatVector a3 = a0;
      for (int s = plan.binStart[bin], e = plan.binStart[bin + 1]; s < e; s++) {
        FloatVector w1 = FloatVector.broadcast(SPECIES, plan.w1[s]);
        FloatVector w2 = FloatVector.broadcast(SPECIES, plan.w2[s]);
        FloatVector w3 = FloatVector.broadcast(SPECIES, plan.w3[s]);
        FloatVector w4 = FloatVector.broadcast(SPECIES, plan.w4[s]);
        int p1 = base + plan.pos1[s];
        int p2 = base + plan.pos2[s];
        int p3 = base + plan.pos3[s];
        int p4 = base + plan.pos4[s];
        a0 = keepGreater(a0, interpolate(d, 0, w1, p1, w2, p2, w3, p3, w4, p4));
        a1 = keepGreater(a1, interpolate(d, L, w1, p1, w2, p2, w3, p3, w4, p4));
        a2 = keepGreater(a2, interpolate(d, 2 * L, w1, p1, w2, p2, w3, p3, w4, p4));
        a3 = keepGreater(a3, interpolate(d, 3 * L, w1, p1, w2, p2, w3, p3, w4, p4));
      }
      int o = bin * BLOCK;
      a0.intoArray(block, o);
      a1.intoArray(block, o + L);
      a2.intoArray(block, o + 2 * L);
      a3.intoArray(block, o + 3 * L);
    }
  }

  private static void maxInterpolated1(float[] d, int base, SamplePlan plan, int bins,
      float[] block) {
    for (int bin = 0; bin < bins; bin++) {
      FloatVector a0 = FloatVector.broadcast(SPECIES, emptyOrFirst(plan, bin));
      for (int s = plan.binStart[bin], e = plan.binStart[bin + 1]; s < e; s++) {
        a0 = keepGreater(a0, interpolate(d, 0,
            FloatVector.broadcast(SPECIES, plan.w1[s]), base + plan.pos1[s],
            FloatVector.broadcast(SPECIES, plan.w2[s]), base + plan.pos2[s],
            FloatVector.broadcast(SPECIES, plan.w3[s]), base + plan.pos3[s],
            FloatVector.broadcast(SPECIES, plan.w4[s]), base + plan.pos4[s]));
      }
      a0.intoArray(block, bin * L);
    }
  }

  private static void maxCorner4(float[] d, int base, SamplePlan plan, int bins, float[] block) {
    for (int bin = 0; bin < bins; bin++) {
      FloatVector a0 = FloatVector.broadcast(SPECIES, emptyOrFirst(plan, bin));
      FloatVector a1 = a0;
      FloatVector a2 = a0;
      FloatVector a3 = a0;
      for (int s = plan.binStart[bin], e = plan.binStart[bin + 1]; s < e; s++) {
        FloatVector w1 = FloatVector.broadcast(SPECIES, plan.w1[s]);
        FloatVector w2 = FloatVector.broadcast(SPECIES, plan.w2[s]);
        FloatVector w3 = FloatVector.broadcast(SPECIES, plan.w3[s]);
        FloatVector w4 = FloatVector.broadcast(SPECIES, plan.w4[s]);
        int p1 = base + plan.pos1[s];
        int p2 = base + plan.pos2[s];
        int p3 = base + plan.pos3[s];
        int p4 = base + plan.pos4[s];
        a0 = keepGreater(a0, maxTerm(d, 0, w1, p1, w2, p2, w3, p3, w4, p4));
        a1 = keepGreater(a1, maxTerm(d, L, w1, p1, w2, p2, w3, p3, w4, p4));
        a2 = keepGreater(a2, maxTerm(d, 2 * L, w1, p1, w2, p2, w3, p3, w4, p4));
        a3 = keepGreater(a3, maxTerm(d, 3 * L, w1, p1, w2, p2, w3, p3, w4, p4));
      }
      int o = bin * BLOCK;
      a0.intoArray(block, o);
      a1.intoArray(block, o + L);
      a2.intoArray(block, o + 2 * L);
      a3.intoArray(block, o + 3 * L);
    }
  }

  private static void maxCorner1(float[] d, int base, SamplePlan plan, int bins, float[] block) {
    for (int bin = 0; bin < bins; bin++) {
      FloatVector a0 = FloatVector.broadcast(SPECIES, emptyOrFirst(plan, bin));
      for (int s = plan.binStart[bin], e = plan.binStart[bin + 1]; s < e; s++) {
        a0 = keepGreater(a0, maxTerm(d, 0,
            FloatVector.broadcast(SPECIES, plan.w1[s]), base + plan.pos1[s],
            FloatVector.broadcast(SPECIES, plan.w2[s]), base + plan.pos2[s],
            FloatVector.broadcast(SPECIES, plan.w3[s]), base + plan.pos3[s],
            FloatVector.broadcast(SPECIES, plan.w4[s]), base + plan.pos4[s]));
      }
      a0.intoArray(block, bin * L);
    }
  }
}
