package org.roifeatures.spark;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.roifeatures.spark.io.FloatBlobs;
import org.roifeatures.spark.sample.SampleGenerator;

/**
 * Small Parquet maps of one level with uniform random values (seeded by the image id), written in
 * the documented maps schema: the input of tests that need a few images' maps and their floats.
 */
public final class RandomParquetMaps {

  private RandomParquetMaps() {}

  /**
   * Writes one {@code level} map of C×H×W values in [{@code low}, {@code low + span}) per image to
   * {@code path} and returns image id → its values (CHW).
   */
  public static Map<String, float[]> write(SparkSession spark, String path, List<String> images,
      String level, int c, int h, int w, double scale, float low, float span) {
    Map<String, float[]> maps = new LinkedHashMap<>();
    List<Row> rows = new ArrayList<>();
    for (String id : images) {
      Random r = new Random(id.hashCode());
      float[] m = new float[c * h * w];
      for (int i = 0; i < m.length; i++) {
        m[i] = r.nextFloat() * span + low;
      }
      maps.put(id, m);
      rows.add(RowFactory.create(id, level, c, h, w, scale, FloatBlobs.encode(m, 0, m.length)));
    }
    spark.createDataFrame(rows, SampleGenerator.MAP_SCHEMA).coalesce(1).write().parquet(path);
    return maps;
  }
}
