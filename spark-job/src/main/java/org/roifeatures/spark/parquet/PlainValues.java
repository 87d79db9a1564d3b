package org.roifeatures.spark.parquet;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.UnsafeArrayData;
import org.apache.spark.sql.catalyst.expressions.UnsafeRow;
import org.apache.spark.sql.catalyst.util.ArrayData;
import org.apache.spark.unsafe.Platform;
import org.apache.spark.unsafe.types.UTF8String;

/**
 * The PLAIN-encoded values of one open page, little-endian in a growable array: fixed-width values,
 * byte arrays as 4-byte length plus bytes, and the floats of a list back to back. Variable-length
 * values are copied once, straight from Spark's row or array when it is an unsafe one.
 */
final class PlainValues {

  private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class,
      ByteOrder.LITTLE_ENDIAN);
  private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class,
      ByteOrder.LITTLE_ENDIAN);

  private byte[] bytes;
  private int length;

  PlainValues(byte[] initial) {
    this.bytes = initial;
  }

  /** The page's bytes so far: the first {@link #length()} of this array. */
  byte[] bytes() {
    return bytes;
  }

  int length() {
    return length;
  }

  /** Starts the next page in {@code fresh}, when the finished page kept the current array. */
  void restartIn(byte[] fresh) {
    bytes = fresh;
    length = 0;
  }

  /** Starts the next page in the same array. */
  void clear() {
    length = 0;
  }

  void putInt(int bits) {
    ensure(4);
    INT.set(bytes, length, bits);
    length += 4;
  }

  void putLong(long bits) {
    ensure(8);
    LONG.set(bytes, length, bits);
    length += 8;
  }

  /** Appends {@code s} as a byte array; returns where its UTF-8 bytes start. */
  int putString(UTF8String s) {
    int n = s.numBytes();
    ensure(4 + n);
    s.writeToMemory(bytes, Platform.BYTE_ARRAY_OFFSET + length + 4);
    return lengthPrefixed(n);
  }

  /** Appends binary field {@code ordinal} of {@code row}; returns where its bytes start. */
  int putBinary(InternalRow row, int ordinal) {
    int n;
    if (row instanceof UnsafeRow unsafe) {
      // UnsafeRow's variable-length field: offset (from the row's start) and size in one long.
      long offsetAndSize = unsafe.getLong(ordinal);
      n = (int) offsetAndSize;
      ensure(4 + n);
      Platform.copyMemory(unsafe.getBaseObject(), unsafe.getBaseOffset() + (offsetAndSize >>> 32),
          bytes, Platform.BYTE_ARRAY_OFFSET + length + 4, n);
    } else {
      byte[] b = row.getBinary(ordinal);
      n = b.length;
      ensure(4 + n);
      System.arraycopy(b, 0, bytes, length + 4, n);
    }
    return lengthPrefixed(n);
  }

  /** Writes the length slot of an {@code n}-byte value already copied after it. */
  private int lengthPrefixed(int n) {
    INT.set(bytes, length, n);
    int start = length + 4;
    length = start + n;
    return start;
  }

  /** Appends the {@code n = array.numElements()} floats of {@code array}; returns where they start. */
  int putFloats(ArrayData array, int n) {
    ensure(4 * n);
    int start = length;
    if (array instanceof UnsafeArrayData unsafe) {
      Platform.copyMemory(unsafe.getBaseObject(), unsafe.getBaseOffset()
          + UnsafeArrayData.calculateHeaderPortionInBytes(n), bytes,
          Platform.BYTE_ARRAY_OFFSET + start, 4L * n);
    } else {
      for (int i = 0; i < n; i++) {
        INT.set(bytes, start + 4 * i, Float.floatToRawIntBits(array.getFloat(i)));
      }
    }
    length = start + 4 * n;
    return start;
  }

  float floatAt(int offset) {
    return Float.intBitsToFloat((int) INT.get(bytes, offset));
  }

  private void ensure(int more) {
    if (length + more > bytes.length) {
      bytes = Arrays.copyOf(bytes, Math.max(length + more, 2 * bytes.length));
    }
  }
}
