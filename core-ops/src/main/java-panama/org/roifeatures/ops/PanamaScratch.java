package org.roifeatures.ops;

/**
 * Per-thread working memory of the vector kernels, reused from call to call so that the steady state
 * allocates nothing: the sample plans, the bin-major block of results waiting to be transposed into the
 * (C, PH, PW) output row, and the channels-last copy of a CHW map.
 */
final class PanamaScratch {

  private static final ThreadLocal<PanamaScratch> PER_THREAD =
      ThreadLocal.withInitial(PanamaScratch::new);

  final SamplePlan plan = new SamplePlan();
  final RotatedSamplePlan rotatedPlan = new RotatedSamplePlan();
  int[] hStart = new int[8];
  int[] hEnd = new int[8];
  int[] wStart = new int[8];
  int[] wEnd = new int[8];
  /** Pool: start of each bin's cells in {@link #cellPos}, bin index ph·PW + pw. */
  int[] cellStart = new int[64];
  /** Pool: element offset (relative to a channel) of every cell of every bin, bin after bin. */
  int[] cellPos = new int[1024];
  private float[] block = new float[0];
  private float[] hwc = new float[0];

  private PanamaScratch() {}

  static PanamaScratch get() {
    return PER_THREAD.get();
  }

  /** A buffer of at least {@code bins × channels} floats: bin-major results of one channel block. */
  float[] block(int bins, int channels) {
    int need = bins * channels;
    if (block.length < need) {
      block = new float[need];
    }
    return block;
  }

  /** Bin edge arrays of exactly {@code ph} and {@code pw} entries (the scalar helpers read lengths). */
  void ensureEdges(int ph, int pw) {
    if (hStart.length != ph) {
      hStart = new int[ph];
      hEnd = new int[ph];
    }
    if (wStart.length != pw) {
      wStart = new int[pw];
      wEnd = new int[pw];
    }
  }

  /** Makes room for {@code bins} bins of pooled cells, {@code cells} cells in all. */
  void ensureCells(int bins, long cells) {
    if (cellStart.length < bins + 1) {
      cellStart = new int[bins + 1];
    }
    if (cells > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException("RoI covers " + cells + " cells in all bins");
    }
    if (cellPos.length < cells) {
      cellPos = new int[(int) Math.max(cells, Math.min(Integer.MAX_VALUE - 8, 2L * cellPos.length))];
    }
  }

  /** A buffer of at least {@code size} floats for a channels-last copy; kept only if not huge. */
  float[] hwc(int size) {
    if (hwc.length >= size) {
      return hwc;
    }
    float[] buf = new float[size];
    if (size <= PanamaTuning.MAX_RETAINED_COPY) {
      hwc = buf;
    }
    return buf;
  }
}
