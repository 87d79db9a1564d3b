package org.roifeatures.spark.io;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** float32 little-endian byte blobs, the {@code data} column of Parquet and Arrow feature maps. */
public final class FloatBlobs {

  private FloatBlobs() {}

  /**
   * Decodes the {@code remaining() / 4} floats of a buffer (heap or direct, e.g. a view of a
   * decompressed Parquet page or an Arrow buffer) without copying it to a byte array first; the
   * buffer's position, limit and byte order are left as they are. The caller checks the length.
   */
  public static float[] decode(ByteBuffer bytes) {
    return decode(bytes, null);
  }

  /**
   * As {@link #decode(ByteBuffer)}, into {@code reuse} (from index 0) when it holds at least {@code
   * remaining() / 4} floats, else into a new array; returns the array written.
   */
  public static float[] decode(ByteBuffer bytes, float[] reuse) {
    int n = bytes.remaining() / 4;
    float[] out = reuse != null && reuse.length >= n ? reuse : new float[n];
    bytes.duplicate().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out, 0, n);
    return out;
  }

  /** Encodes floats as float32 little-endian. */
  public static byte[] encode(float[] values, int from, int count) {
    byte[] out = new byte[count * 4];
    ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().put(values, from, count);
    return out;
  }
}
