package org.roifeatures.spark.task;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.apache.spark.ml.linalg.Vectors;
import org.roifeatures.spark.Precision;
import org.roifeatures.spark.VectorFormat;

/** Turns one row of floats into the {@code features} column value for the configured format. */
public final class VectorEncoder {

  private final VectorFormat format;
  private final Precision precision;

  public VectorEncoder(VectorFormat format, Precision precision) {
    this.format = format;
    this.precision = precision;
  }

  /** Encodes {@code values[from .. from+length)}; the result does not alias {@code values}. */
  public Object encode(float[] values, int from, int length) {
    switch (format) {
      case BINARY:
        return bytes(values, from, length);
      case ARRAY: {
        Float[] boxed = new Float[length];
        for (int i = 0; i < length; i++) {
          boxed[i] = values[from + i];
        }
        return boxed;
      }
      case VECTOR: {
        double[] d = new double[length];
        for (int i = 0; i < length; i++) {
          d[i] = values[from + i];
        }
        return Vectors.dense(d);
      }
      default:
        throw new AssertionError(format);
    }
  }

  private byte[] bytes(float[] values, int from, int length) {
    byte[] out = new byte[length * precision.bytes()];
    ByteBuffer b = ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN);
    switch (precision) {
      case FLOAT32 -> b.asFloatBuffer().put(values, from, length);
      case FLOAT16 -> {
        for (int i = 0; i < length; i++) {
          b.putShort(HalfFloats.toFloat16(values[from + i]));
        }
      }
      case BFLOAT16 -> {
        for (int i = 0; i < length; i++) {
          b.putShort(HalfFloats.toBfloat16(values[from + i]));
        }
      }
      default -> throw new AssertionError(precision);
    }
    return out;
  }
}
