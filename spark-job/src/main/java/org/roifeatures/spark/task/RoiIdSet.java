package org.roifeatures.spark.task;

/**
 * The roi_ids an image has used so far, as primitive longs: open addressing with linear probing in
 * one {@code long[]}, at most three quarters full. A {@code HashSet<Long>} costs a boxed key and a
 * map node per id, several times more per proposal, and an image may have millions of them.
 * {@link #clear()} keeps a small table for the next image and drops a large one, so that one huge
 * image neither stays in memory nor makes every later image pay for clearing its table.
 */
final class RoiIdSet {

  private static final int MIN_CAPACITY = 64;
  /** Largest table {@link #clear()} keeps and zeroes instead of replacing. */
  private static final int RETAINED_CAPACITY = 1 << 12;
  /** Marks a free slot; the id equal to it is tracked by {@link #hasEmptyKey} instead. */
  private static final long EMPTY = 0L;

  private long[] table = new long[MIN_CAPACITY];
  private int size;
  private boolean hasEmptyKey;

  /** Adds {@code id}; returns false when it was already there. */
  boolean add(long id) {
    if (id == EMPTY) {
      if (hasEmptyKey) {
        return false;
      }
      hasEmptyKey = true;
      return true;
    }
    int mask = table.length - 1;
    int i = slot(id, mask);
    while (table[i] != EMPTY) {
      if (table[i] == id) {
        return false;
      }
      i = (i + 1) & mask;
    }
    table[i] = id;
    size++;
    if (size > table.length - (table.length >> 2)) {
      grow();
    }
    return true;
  }

  /** Empties the set for the next image. */
  void clear() {
    if (table.length > RETAINED_CAPACITY) {
      table = new long[MIN_CAPACITY];
    } else if (size > 0) {
      java.util.Arrays.fill(table, EMPTY);
    }
    size = 0;
    hasEmptyKey = false;
  }

  private void grow() {
    long[] old = table;
    table = new long[old.length * 2];
    int mask = table.length - 1;
    for (long id : old) {
      if (id != EMPTY) {
        int i = slot(id, mask);
        while (table[i] != EMPTY) {
          i = (i + 1) & mask;
        }
        table[i] = id;
      }
    }
  }

  /**
   * The id's home slot: all its bits mixed into the low ones (murmur3's finalizer), since ids are
   * often consecutive or strided by a power of two and the mask keeps only low bits.
   */
  private static int slot(long id, int mask) {
    long h = id;
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    h *= 0xc4ceb9fe1a85ec53L;
    h ^= h >>> 33;
    return (int) h & mask;
  }
}
