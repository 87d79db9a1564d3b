package org.roifeatures.spark.task;

import org.apache.spark.ml.linalg.Vectors;
import org.roifeatures.ops.HalfPrecision;
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
      case ARRAY:
        // A primitive array: Spark's row serializer copies it into its array format in one piece
        // (boxed Floats cost one object and one unboxing per element).
        return java.util.Arrays.copyOfRange(values, from, from + length);
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
    // Bulk encoders: the Vector API path when the executor JVM has jdk.incubator.vector; converting
    // and storing one value at a time cost ten times more than the float32 copy.
    switch (precision) {
      case FLOAT32 -> HalfPrecision.encodeFloat32(values, from, length, out, 0);
      case FLOAT16 -> HalfPrecision.encodeFloat16(values, from, length, out, 0);
      case BFLOAT16 -> HalfPrecision.encodeBfloat16(values, from, length, out, 0);
      default -> throw new AssertionError(precision);
    }
    return out;
  }
}
