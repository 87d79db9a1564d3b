package org.roifeatures.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.junit.jupiter.api.Test;
import org.roifeatures.spark.io.MapEntry;
import org.roifeatures.spark.io.MapIndex;

/**
 * The map index's facts computed on the driver from a collected index ({@code ofEntries}) equal the
 * ones Spark's aggregation gives ({@code of}), and the collected index groups by image like
 * {@code collect_list}; {@code collectIfSmall} gives up above its limit.
 */
class IndexStatsTest extends SparkTestBase {

  private static Row entry(String image, String level, int channels, double scale, String problem) {
    return RowFactory.create(image, new MapEntry(level, "parquet", "/maps/" + image + ".parquet", -1,
        0, channels, 8, 8, scale, problem).toRow());
  }

  private static List<Row> mixedIndex() {
    List<Row> rows = new ArrayList<>();
    rows.add(entry("a", "p3", 256, 0.125, null));
    rows.add(entry("a", "p4", 256, 0.0625, null));
    rows.add(entry("b", "p3", 256, Double.NaN, null));   // scale not stated: p3 keeps 0.125
    rows.add(entry("b", "p4", 256, 0.0625, null));
    rows.add(entry("c", "p3", 128, 0.125, null));        // minority channel count
    rows.add(entry("d", "p5", 256, 0.03125, "BAD_MAP_SHAPE: H=0")); // unusable: no say
    rows.add(entry("e", "p6", 256, Double.NaN, null));   // a level without any scale
    rows.add(entry(null, "", -1, Double.NaN, "cannot read /maps/broken.arrow: bad magic"));
    return rows;
  }

  @Test
  void driverStatsEqualSparkAggregation() {
    List<Row> rows = mixedIndex();
    Dataset<Row> index = spark.createDataFrame(rows, MapEntry.INDEX_ROW).repartition(3);
    IndexStats bySpark = IndexStats.of(index);
    IndexStats onDriver = IndexStats.ofEntries(rows);
    for (IndexStats s : List.of(bySpark, onDriver)) {
      assertEquals(List.of("p3", "p4", "p6"), s.levels());
      assertEquals(0.125, s.scaleOf("p3", Map.of()));
      assertEquals(0.0625, s.scaleOf("p4", Map.of()));
      assertEquals(Double.NaN, s.scaleOf("p6", Map.of()));
      assertEquals(0.5, s.scaleOf("p6", Map.of("*", 0.5)));
      assertEquals(256, s.commonChannels(new String[] {"p3"}));
      assertEquals(256, s.commonChannels(new String[] {"p3", "p4"}));
      assertEquals("cannot read /maps/broken.arrow: bad magic", s.unreadableMapFiles());
    }
  }

  @Test
  void noUsableMapIsAnErrorOnBothPaths() {
    List<Row> rows = List.of(entry("a", "p3", 4, 1.0, "MAP_LENGTH_MISMATCH: short"),
        entry(null, "", -1, Double.NaN, "cannot read x.npy"));
    IllegalArgumentException bySpark = assertThrows(IllegalArgumentException.class,
        () -> IndexStats.of(spark.createDataFrame(rows, MapEntry.INDEX_ROW)));
    IllegalArgumentException onDriver = assertThrows(IllegalArgumentException.class,
        () -> IndexStats.ofEntries(rows));
    assertEquals(bySpark.getMessage(), onDriver.getMessage());
  }

  @Test
  void collectedIndexGroupsLikeCollectList() {
    List<Row> rows = mixedIndex();
    Dataset<Row> index = spark.createDataFrame(rows, MapEntry.INDEX_ROW).repartition(2);
    List<Row> collected = MapIndex.collectIfSmall(index, rows.size());
    assertEquals(rows.size(), collected.size());
    MapIndex.Lookup lookup = MapIndex.lookup(collected, 2);
    Map<String, List<String>> local = new TreeMap<>();
    lookup.maps().forEach((image, maps) -> {
      List<String> names = new ArrayList<>();
      for (MapEntry e : maps) {
        names.add(e.level() + "/" + e.channels() + "/" + e.problem());
      }
      java.util.Collections.sort(names);
      local.put(image, names);
    });
    Map<String, List<String>> bySpark = grouped(index.filter("image_id is not null")
        .groupBy("image_id").agg(org.apache.spark.sql.functions.collect_list("map").as("maps")));
    assertEquals(bySpark, local);
    assertEquals(5, local.size());
    assertEquals(local.keySet(), lookup.keys().keySet(), "every image has a partition key");
  }

  @Test
  void collectIfSmallGivesUpAboveItsLimitOrAtZero() {
    List<Row> rows = mixedIndex();
    Dataset<Row> index = spark.createDataFrame(rows, MapEntry.INDEX_ROW).repartition(2);
    assertNull(MapIndex.collectIfSmall(index, rows.size() - 1));
    assertNull(MapIndex.collectIfSmall(index, 0));
    assertEquals(rows.size(), MapIndex.collectIfSmall(index, rows.size() + 5).size());
  }

  /** image → its maps' "level/channels", sorted (collect_list's order is not defined). */
  private static Map<String, List<String>> grouped(Dataset<Row> byImage) {
    Map<String, List<String>> m = new TreeMap<>();
    for (Row r : byImage.collectAsList()) {
      List<String> maps = new ArrayList<>();
      for (Object o : r.getList(1)) {
        MapEntry e = MapEntry.fromRow((Row) o);
        maps.add(e.level() + "/" + e.channels() + "/" + e.problem());
      }
      maps.sort(String::compareTo);
      m.put(r.getString(0), maps);
    }
    return m;
  }
}
