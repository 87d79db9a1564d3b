package org.roifeatures.spark.parquet;

import java.util.HashMap;
import org.apache.spark.unsafe.types.UTF8String;

/**
 * The dictionary of one string column chunk: each distinct value gets the next id, and its PLAIN
 * encoding (4-byte length, UTF-8 bytes) is appended to the dictionary page in id order.
 */
final class StringDictionary {

  private final HashMap<UTF8String, Integer> ids = new HashMap<>();
  private final PlainValues page = new PlainValues(new byte[1024]);

  /** The id of {@code value}, added when new (the value is copied: rows reuse their buffers). */
  int idOf(UTF8String value) {
    Integer id = ids.get(value);
    if (id != null) {
      return id;
    }
    page.putString(value);
    int next = ids.size();
    ids.put(value.copy(), next);
    return next;
  }

  int size() {
    return ids.size();
  }

  /** The dictionary page: PLAIN values in id order, {@link #bytes()} long. */
  byte[] page() {
    return page.bytes();
  }

  int bytes() {
    return page.length();
  }

  void clear() {
    ids.clear();
    page.clear();
  }
}
