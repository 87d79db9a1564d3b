package org.roifeatures.spark.parquet;

import java.util.Arrays;

/**
 * Repetition or definition levels of one page as RLE runs, appended a run at a time: a list of n
 * values is two runs (repetition 0 once, then 1 n−1 times), not n calls into a per-value encoder.
 * Encodes Parquet's RLE/bit-packing hybrid with RLE runs only, levels of at most 8 bits, prefixed by
 * the 4-byte length that data pages v1 put before each level section.
 */
final class LevelRuns {

  private int[] values = new int[64];
  private long[] counts = new long[64];
  private int runs;

  /** Appends {@code count} (> 0) levels of {@code value}, extending the last run when it matches. */
  void add(int value, long count) {
    if (runs > 0 && values[runs - 1] == value) {
      counts[runs - 1] += count;
      return;
    }
    if (runs == values.length) {
      values = Arrays.copyOf(values, 2 * runs);
      counts = Arrays.copyOf(counts, 2 * runs);
    }
    values[runs] = value;
    counts[runs] = count;
    runs++;
  }

  /** The length-prefixed RLE section; clears the runs. */
  byte[] encode() {
    byte[] out = new byte[4 + runs * 11];
    int p = 4;
    for (int r = 0; r < runs; r++) {
      long header = counts[r] << 1; // RLE run: (count << 1 | 0) as a ULEB128 varint, then the value
      while ((header & ~0x7FL) != 0) {
        out[p++] = (byte) ((header & 0x7F) | 0x80);
        header >>>= 7;
      }
      out[p++] = (byte) header;
      out[p++] = (byte) values[r];
    }
    int length = p - 4;
    out[0] = (byte) length;
    out[1] = (byte) (length >>> 8);
    out[2] = (byte) (length >>> 16);
    out[3] = (byte) (length >>> 24);
    runs = 0;
    return Arrays.copyOf(out, p);
  }
}
