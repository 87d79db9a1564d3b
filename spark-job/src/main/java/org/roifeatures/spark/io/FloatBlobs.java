package org.roifeatures.spark.io;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** float32 little-endian byte blobs, the {@code data} column of Parquet and Arrow feature maps. */
public final class FloatBlobs {

  private FloatBlobs() {}

  /** Decodes {@code bytes.length / 4} floats; the caller checks the length first. */
  public static float[] decode(byte[] bytes) {
    float[] out = new float[bytes.length / 4];
    ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
    return out;
  }

  /** Encodes floats as float32 little-endian. */
  public static byte[] encode(float[] values, int from, int count) {
    byte[] out = new byte[count * 4];
    ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().put(values, from, count);
    return out;
  }
}
