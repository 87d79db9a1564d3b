package org.roifeatures.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/** An output read back by key, for comparing two outputs (a resumed run with an uninterrupted one). */
public final class OutputKeys {

  private OutputKeys() {}

  /** "image_id/roi_id" → vector bytes of a features output; fails on a duplicate key. */
  public static Map<String, byte[]> vectors(SparkSession spark, String path) {
    Map<String, byte[]> m = new HashMap<>();
    for (Row r : spark.read().parquet(path).collectAsList()) {
      String key = r.<String>getAs("image_id") + "/" + r.<Long>getAs("roi_id");
      assertTrue(m.put(key, r.getAs("features")) == null, "duplicate key " + key);
    }
    return m;
  }

  /** Sorted "image_id/roi_id/reason" of a rejects output; fails on a duplicate. */
  public static List<String> rejects(SparkSession spark, String path) {
    List<String> keys = spark.read().parquet(path).select("image_id", "roi_id", "reason")
        .collectAsList().stream().map(r -> r.getString(0) + "/" + r.get(1) + "/" + r.get(2))
        .sorted().toList();
    assertEquals(keys.size(), new HashSet<>(keys).size(), "no reject twice");
    return keys;
  }

  /** "image_id/roi_id" of an output row. */
  public static String key(Row r) {
    return r.<String>getAs("image_id") + "/" + r.<Long>getAs("roi_id");
  }

  /** The x1, y1, x2, y2 an output row stores, as float32 (for comparing with converted inputs). */
  public static float[] box(Row r) {
    return new float[] {((Number) r.getAs("x1")).floatValue(), ((Number) r.getAs("y1")).floatValue(),
        ((Number) r.getAs("x2")).floatValue(), ((Number) r.getAs("y2")).floatValue()};
  }

  /** A features cell (binary float32, array or ML vector) as floats. */
  public static float[] floats(Object cell) {
    return InputRecords.vector(cell);
  }
}
