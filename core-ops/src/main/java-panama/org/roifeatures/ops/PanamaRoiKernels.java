package org.roifeatures.ops;

import jdk.incubator.vector.FloatVector;

/**
 * Vector API kernels: RoI Align (all modes), rotated RoI Align and RoI Pool vectorised over channels
 * of a channels-last map. Loaded by name by {@link RoiKernelsProvider} only when {@code jdk.incubator.vector} is present.
 *
 * <p>The public methods decide per call whether vectorising pays off: maps with fewer channels than one
 * vector, and CHW maps too small a call to repay a channels-last copy, go to the scalar kernels; see
 * {@link ChannelsLast} for when a map is copied. Every
 * path gives the scalar kernels' bits, so the choice never shows in results. PS RoI Align and PS RoI
 * Pool read a different input channel per bin, so channel vectors do not apply; they use the scalar
 * kernels.
 *
 * <p>Stateless apart from per-thread scratch; thread-safe.
 */
final class PanamaRoiKernels implements RoiKernels {

  private static final int MIN_VECTOR_BITS = 128;
  private static final RoiKernels SCALAR = DefaultRoiKernels.INSTANCE;

  private PanamaRoiKernels() {}

  /** The kernels, or null when the preferred vector is narrower than 128 bits. */
  public static RoiKernels createIfSupported() {
    return FloatVector.SPECIES_PREFERRED.vectorBitSize() < MIN_VECTOR_BITS
        ? null : new PanamaRoiKernels();
  }

  @Override
  public String name() {
    return "panama-" + PanamaAlign.SPECIES.vectorBitSize();
  }

  /** Channels-last in blocks of one average pass (see {@link ChannelsLast}). */
  @Override
  public FeatureMap prepare(FeatureMap map, float[] reuse) {
    return map.toChannelBlocks(PanamaTuning.MAP_CHANNEL_BLOCK, reuse);
  }

  @Override
  public void roiAlign(FeatureMap map, float[] boxes, int boxOffset, int numBoxes,
      RoiAlignParams params, float[] out, int outOffset) {
    int bins = params.pooledHeight() * params.pooledWidth();
    PanamaScratch scratch = PanamaScratch.get();
    FeatureMap hwc = vectorMap(map, alignWork(numBoxes, params), scratch);
    if (hwc == null) {
      SCALAR.roiAlign(map, boxes, boxOffset, numBoxes, params, out, outOffset);
      return;
    }
    final int rowLength = map.channels() * bins;
    final SamplePlan plan = scratch.plan;
    for (int b = 0; b < numBoxes; b++) {
      float count = planRoi(hwc, boxes, boxOffset + 4 * b, params, plan);
      PanamaAlign.roi(hwc, plan, bins, params.mode(), count, scratch, out, outOffset + b * rowLength);
    }
  }

  @Override
  public void roiAlignRotated(FeatureMap map, float[] boxes, int boxOffset, int numBoxes,
      RoiAlignParams params, float[] out, int outOffset) {
    int bins = params.pooledHeight() * params.pooledWidth();
    PanamaScratch scratch = PanamaScratch.get();
    FeatureMap hwc = vectorMap(map, alignWork(numBoxes, params), scratch);
    if (hwc == null) {
      SCALAR.roiAlignRotated(map, boxes, boxOffset, numBoxes, params, out, outOffset);
      return;
    }
    final int rowLength = map.channels() * bins;
    final RotatedSamplePlan plan = scratch.rotatedPlan;
    for (int b = 0; b < numBoxes; b++) {
      float count = RotatedRoiAlignKernel.planRoi(hwc.height(), hwc.width(), hwc.pixelStride(),
          boxes, boxOffset + RotatedBoxCheck.FIELDS * b, params, plan, RotatedSamplePlan.DIRECT_LIMIT);
      PanamaAlign.sampleAverage(hwc, plan, bins, count, scratch, out, outOffset + b * rowLength);
    }
  }

  /** Plans the box at {@code boxes[bo..bo+3]} exactly as the scalar kernels do; returns the divisor. */
  private static float planRoi(FeatureMap map, float[] boxes, int bo, RoiAlignParams params,
      SamplePlan plan) {
    return DefaultRoiKernels.planAlignRoi(map.height(), map.width(), map.pixelStride(), boxes, bo,
        params, plan);
  }

  @Override
  public void roiPool(FeatureMap map, float[] boxes, int boxOffset, int numBoxes,
      RoiPoolParams params, float[] out, int outOffset) {
    final int ph = params.pooledHeight();
    final int pw = params.pooledWidth();
    PanamaScratch scratch = PanamaScratch.get();
    FeatureMap hwc = vectorMap(map,
        (long) numBoxes * ph * pw * PanamaTuning.SAMPLES_PER_BIN_GUESS, scratch);
    if (hwc == null) {
      SCALAR.roiPool(map, boxes, boxOffset, numBoxes, params, out, outOffset);
      return;
    }
    scratch.ensureEdges(ph, pw);
    final int rowLength = map.channels() * ph * pw;
    for (int b = 0; b < numBoxes; b++) {
      DefaultRoiKernels.poolBins(hwc.height(), hwc.width(), boxes, boxOffset + 4 * b, params,
          scratch.hStart, scratch.hEnd, scratch.wStart, scratch.wEnd);
      PanamaPool.roi(hwc, ph, pw, scratch, out, outOffset + b * rowLength);
    }
  }

  /**
   * The map the vector kernels read for a call doing {@code workPerChannel} sample (or cell) reads
   * per channel, or null when the scalar kernels should run the call: maps with fewer channels than
   * one vector, and maps the kernels cannot read in place when the work does not repay a copy
   * ({@link PanamaTuning#CHW_COPY_MIN_WORK_PER_PIXEL}; see {@link ChannelsLast}).
   */
  private static FeatureMap vectorMap(FeatureMap map, long workPerChannel, PanamaScratch scratch) {
    if (map.channels() < PanamaAlign.L) {
      return null;
    }
    boolean copyPays = workPerChannel
        >= (long) PanamaTuning.CHW_COPY_MIN_WORK_PER_PIXEL * map.height() * map.width();
    return ChannelsLast.of(map, scratch, copyPays);
  }

  /** Sample reads per channel of an align call (adaptive sampling: a guess per bin). */
  private static long alignWork(int numBoxes, RoiAlignParams params) {
    long samples = params.samplingRatio() > 0
        ? (long) params.samplingRatio() * params.samplingRatio() : PanamaTuning.SAMPLES_PER_BIN_GUESS;
    return (long) numBoxes * params.pooledHeight() * params.pooledWidth() * samples;
  }

  @Override
  public void psRoiAlign(FeatureMap map, float[] boxes, int boxOffset, int numBoxes,
      RoiAlignParams params, float[] out, int outOffset) {
    SCALAR.psRoiAlign(map, boxes, boxOffset, numBoxes, params, out, outOffset);
  }

  @Override
  public void psRoiPool(FeatureMap map, float[] boxes, int boxOffset, int numBoxes,
      RoiPoolParams params, float[] out, int outOffset) {
    SCALAR.psRoiPool(map, boxes, boxOffset, numBoxes, params, out, outOffset);
  }
}
