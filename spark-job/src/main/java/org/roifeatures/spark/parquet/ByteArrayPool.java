package org.roifeatures.spark.parquet;

import java.util.ArrayDeque;

/**
 * Page-sized byte arrays of one writer, given back once their row group is written: a 1 MB page is
 * filled every ~20 feature rows, and a fresh array each time would be zeroed by the JVM for nothing.
 */
final class ByteArrayPool {

  /** Smaller arrays are not worth keeping: allocating them costs less than searching for them. */
  static final int MIN_POOLED = 64 * 1024;

  private final ArrayDeque<byte[]> spare = new ArrayDeque<>();

  /** An array of at least {@code minLength} bytes (contents undefined). */
  byte[] take(int minLength) {
    if (minLength < MIN_POOLED) {
      return new byte[minLength];
    }
    for (int i = spare.size(); i > 0; i--) {
      byte[] a = spare.pollFirst();
      if (a.length >= minLength) {
        return a;
      }
      spare.addLast(a);
    }
    return new byte[minLength];
  }

  void give(byte[] a) {
    if (a.length >= MIN_POOLED) {
      spare.addLast(a);
    }
  }
}
