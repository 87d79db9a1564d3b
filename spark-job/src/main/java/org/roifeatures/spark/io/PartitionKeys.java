package org.roifeatures.spark.io;


/**
 * Integer keys that Spark's hash partitioning sends to chosen partitions, so that a job can decide
 * which partition each image goes to and still use {@code repartition(n, key)}: with 20 images and 2
 * tasks, hashing image ids gave a 9/11 split and the job waited 20% longer for the larger task.
 *
 * <p>{@code repartition(n, col)} on an integer column places a row in partition
 * {@code pmod(murmur3_x86_32(value, seed 42), n)}: {@code HashPartitioning}'s partition id, the same
 * function Spark's bucketed tables are written with (which is why it does not change between
 * versions). It is computed here ({@link #murmur3HashInt}) rather than by Spark's internal class,
 * and {@code PartitionKeysTest} checks it against Spark itself.
 */
public final class PartitionKeys {

  /** Seed of Spark's {@code Murmur3Hash} expression. */
  private static final int SPARK_HASH_SEED = 42;

  private PartitionKeys() {}

  /** The partition Spark's {@code repartition(partitions, key)} puts an integer {@code key} in. */
  public static int partitionOf(int key, int partitions) {
    return Math.floorMod(murmur3HashInt(key, SPARK_HASH_SEED), partitions);
  }

  /** MurmurHash3 x86_32 of one 4-byte integer, as Spark's {@code Murmur3_x86_32.hashInt}. */
  static int murmur3HashInt(int input, int seed) {
    int k1 = input * 0xcc9e2d51;
    k1 = Integer.rotateLeft(k1, 15) * 0x1b873593;
    int h1 = seed ^ k1;
    h1 = Integer.rotateLeft(h1, 13) * 5 + 0xe6546b64;
    h1 ^= 4;
    h1 ^= h1 >>> 16;
    h1 *= 0x85ebca6b;
    h1 ^= h1 >>> 13;
    h1 *= 0xc2b2ae35;
    return h1 ^ (h1 >>> 16);
  }

  /** For each partition 0..n-1, the smallest non-negative integer key Spark sends there. */
  public static int[] keysFor(int partitions) {
    if (partitions <= 0) {
      throw new IllegalArgumentException("partitions must be > 0, got " + partitions);
    }
    int[] keys = new int[partitions];
    java.util.Arrays.fill(keys, -1);
    int found = 0;
    // Each try hits a given partition with probability 1/n: about n·ln(n) tries in all.
    for (int key = 0; found < partitions; key++) {
      if (key < 0) {
        throw new IllegalStateException("no key for some of " + partitions + " partitions");
      }
      int p = partitionOf(key, partitions);
      if (keys[p] < 0) {
        keys[p] = key;
        found++;
      }
    }
    return keys;
  }
}
