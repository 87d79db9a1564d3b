package org.roifeatures.ops;

/**
 * Tuning thresholds of the vector kernels, in one place (like EJML's {@code EjmlParameters}). Changing
 * them never changes results, only speed: every path computes the same float operations per channel.
 */
final class PanamaTuning {

  /**
   * Channel vectors processed together per pass over a bin's samples. Four independent accumulators
   * hide the add latency and let one broadcast of each weight serve four loads; more spills registers
   * on AVX2 (16 vector registers).
   */
  static final int CHANNEL_UNROLL = 4;

  /**
   * Channel vectors per pass of the RoI Align average, which keeps one accumulator per channel vector
   * and nothing else per cell: eight fit the registers of AVX2 and AVX-512 alike and halve the loop,
   * offset and weight work per load against four (C4 head on AVX-512: 237 → 158 µs of pooling per RoI
   * with the flat cell loop). One pass per visit of a bin: a second pass over the next 128 channels
   * inside the bin loop was 5–6% faster on C4 when it compiled well, but JDK 17's C2 then sometimes
   * (about one JVM in ten) failed to intrinsify its stores, boxing vectors at ~1.7 GB per C4 call.
   */
  static final int AVERAGE_CHANNEL_UNROLL = 8;

  /**
   * A CHW map, or a channels-last map not in blocks, is copied into channel blocks for the call
   * (see {@link ChannelsLast}) when the call's estimated sample work, in corner reads per
   * channel ({@code boxes × bins × samples per bin × 4}), is at least this many times the map's pixel
   * count; smaller calls run the scalar CHW kernel, for which a copy would cost more than it saves.
   * Measured break-even on AVX-512 is about 1 (the copy costs about one pass over the map per channel).
   */
  static final int CHW_COPY_MIN_WORK_PER_PIXEL = 2;

  /** Samples per bin (align, adaptive sampling) or cells per bin (pool) assumed when deciding on the copy. */
  static final int SAMPLES_PER_BIN_GUESS = 4;

  /**
   * Largest channels-last copy (in floats) kept per thread between calls; larger copies are
   * allocated per call so that an executor thread does not pin a huge buffer. 4 Mi floats = 16 MiB
   * (a 1024-channel 50×68 map).
   */
  static final int MAX_RETAINED_COPY = 1 << 22;

  /**
   * Channels per block of the maps the kernels read (see {@link ChannelsLast}): the average's pass
   * width, which the other passes' widths divide, so that no pass straddles two blocks.
   */
  static final int MAP_CHANNEL_BLOCK = AVERAGE_CHANNEL_UNROLL * PanamaAlign.L;

  /**
   * Transpose result blocks into the output row in registers instead of scalar copies: {@link
   * Transpose16} (16×16 tiles) with 16-float vectors (AVX-512), {@link Transpose8} (8×8) with 8-float
   * vectors (AVX2); 4-float vectors keep the copies. {@code -Droifeatures.kernels.transpose=scalar}
   * forces the copies, for measurements.
   */
  static final boolean REGISTER_TRANSPOSE = (PanamaAlign.L == 16 || PanamaAlign.L == 8)
      && !System.getProperty("roifeatures.kernels.transpose", "").equals("scalar");

  private PanamaTuning() {}
}
