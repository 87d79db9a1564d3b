package org.roifeatures.ops;

/**
 * A bulk float32 → little-endian bytes encoder. Arguments arrive already checked by
 * {@link HalfPrecision}. Implementations are stateless and thread-safe, and all of them write the
 * same bytes.
 */
interface HalfEncoder {

  /** {@code src[from .. from+count)} as binary16 at {@code dst[at .. at+2·count)}. */
  void float16(float[] src, int from, int count, byte[] dst, int at);

  /** {@code src[from .. from+count)} as bfloat16 at {@code dst[at .. at+2·count)}. */
  void bfloat16(float[] src, int from, int count, byte[] dst, int at);

  /** {@code src[from .. from+count)} as float32 at {@code dst[at .. at+4·count)}. */
  void float32(float[] src, int from, int count, byte[] dst, int at);

  /** Short name for logs and benchmark reports, e.g. "scalar" or "panama-512". */
  String name();
}
