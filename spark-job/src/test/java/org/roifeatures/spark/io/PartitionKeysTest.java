package org.roifeatures.spark.io;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.roifeatures.spark.SparkTestBase;

/**
 * Spark's own {@code repartition(n, key)} puts every key of {@link PartitionKeys#keysFor} in the
 * partition it was chosen for, and {@link MapIndex#lookup} deals images to partitions in equal runs.
 */
class PartitionKeysTest extends SparkTestBase {

  @Test
  void sparkPutsEachKeyInItsPartition() {
    for (int partitions : new int[] {1, 2, 3, 7, 64}) {
      int[] keys = PartitionKeys.keysFor(partitions);
      List<Row> rows = new ArrayList<>();
      for (int t = 0; t < partitions; t++) {
        rows.add(RowFactory.create(t, keys[t]));
      }
      StructType schema = new StructType().add("target", DataTypes.IntegerType)
          .add("key", DataTypes.IntegerType);
      Dataset<Row> placed = spark.createDataFrame(rows, schema).repartition(partitions, col("key"))
          .withColumn("partition", functions.spark_partition_id());
      for (Row r : placed.collectAsList()) {
        assertEquals(r.getInt(0), r.getInt(2), "key " + r.getInt(1) + " of " + partitions);
      }
    }
  }

  @Test
  void ownMurmur3EqualsSparksHash() {
    java.util.Random random = new java.util.Random(5);
    for (int i = 0; i < 10_000; i++) {
      int v = i < 100 ? i - 50 : random.nextInt();
      assertEquals(org.apache.spark.unsafe.hash.Murmur3_x86_32.hashInt(v, 42),
          PartitionKeys.murmur3HashInt(v, 42), "value " + v);
    }
  }

  @Test
  void keysAreDistinctAndNonNegative() {
    int[] keys = PartitionKeys.keysFor(1000);
    Set<Integer> seen = new HashSet<>();
    for (int t = 0; t < keys.length; t++) {
      assertEquals(t, PartitionKeys.partitionOf(keys[t], 1000));
      assertTrue(keys[t] >= 0 && seen.add(keys[t]));
    }
    assertThrows(IllegalArgumentException.class, () -> PartitionKeys.keysFor(0));
  }

  @Test
  void lookupDealsImagesInEqualRunsOfFileOrder() {
    List<Row> entries = new ArrayList<>();
    for (int i = 19; i >= 0; i--) { // index order is not file order
      String file = i < 10 ? "/maps/a.parquet" : "/maps/b.parquet";
      for (String level : List.of("p3", "p4")) {
        entries.add(RowFactory.create("img" + i, new MapEntry(level, "parquet", file, -1, i % 10,
            4, 8, 8, 0.125, null).toRow()));
      }
    }
    for (int partitions : new int[] {2, 3, 8}) {
      MapIndex.Lookup lookup = MapIndex.lookup(entries, partitions);
      assertEquals(20, lookup.maps().size());
      assertEquals(20, lookup.keys().size());
      int[] perPartition = new int[partitions];
      int last = 0;
      for (int i = 0; i < 20; i++) { // img0..9 are rows 0..9 of a.parquet, img10..19 of b.parquet
        String image = "img" + i;
        int partition = PartitionKeys.partitionOf(lookup.keys().get(image), partitions);
        perPartition[partition]++;
        assertTrue(partition >= last, "runs follow file order");
        last = partition;
        assertEquals(2, lookup.maps().get(image).size());
      }
      for (int n : perPartition) {
        assertTrue(n == 20 / partitions || n == 20 / partitions + 1,
            java.util.Arrays.toString(perPartition));
      }
    }
  }
}
