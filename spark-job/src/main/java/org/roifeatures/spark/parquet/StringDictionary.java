package org.roifeatures.spark.parquet;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.HashMap;
import org.apache.spark.unsafe.Platform;
import org.apache.spark.unsafe.types.UTF8String;

/**
 * The dictionary of one string column chunk: each distinct value gets the next id, and its PLAIN
 * encoding (4-byte length, UTF-8 bytes) is appended to the dictionary page in id order.
 */
final class StringDictionary {

  private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class,
      ByteOrder.LITTLE_ENDIAN);

  private final HashMap<UTF8String, Integer> ids = new HashMap<>();
  private byte[] page = new byte[1024];
  private int length;

  /** The id of {@code value}, added when new (the value is copied: rows reuse their buffers). */
  int idOf(UTF8String value) {
    Integer id = ids.get(value);
    if (id != null) {
      return id;
    }
    int n = value.numBytes();
    if (length + 4 + n > page.length) {
      page = Arrays.copyOf(page, Math.max(length + 4 + n, 2 * page.length));
    }
    INT.set(page, length, n);
    value.writeToMemory(page, Platform.BYTE_ARRAY_OFFSET + length + 4);
    length += 4 + n;
    int next = ids.size();
    ids.put(value.copy(), next);
    return next;
  }

  int size() {
    return ids.size();
  }

  /** The dictionary page: PLAIN values in id order, {@link #bytes()} long. */
  byte[] page() {
    return page;
  }

  int bytes() {
    return length;
  }

  void clear() {
    ids.clear();
    length = 0;
  }
}
