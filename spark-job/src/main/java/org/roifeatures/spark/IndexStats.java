package org.roifeatures.spark;

import static org.apache.spark.sql.functions.col;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;

/**
 * Facts about the map index the driver needs before pooling: which levels exist, their spatial
 * scales, and the channel count every vector will have. Computed with one small aggregation.
 */
final class IndexStats {

  private final List<String> levels;
  private final Map<String, Double> scales;
  /** level → (channels → count) over usable maps. */
  private final Map<String, Map<Integer, Long>> channels;

  private IndexStats(List<String> levels, Map<String, Double> scales,
      Map<String, Map<Integer, Long>> channels) {
    this.levels = levels;
    this.scales = scales;
    this.channels = channels;
  }

  static IndexStats of(Dataset<Row> index, Map<String, Double> configured) {
    List<Row> rows = index.filter(col("image_id").isNotNull().and(col("map.problem").isNull()))
        .groupBy(col("map.level").as("level"), col("map.channels").as("channels"))
        .agg(functions.count(functions.lit(1)).as("n"),
            functions.max(functions.when(functions.isnan(col("map.spatial_scale")), null)
                .otherwise(col("map.spatial_scale"))).as("scale"))
        .collectAsList();
    if (rows.isEmpty()) {
      throw new IllegalArgumentException("no usable feature maps found (every map index entry "
          + "has a problem, or the input is empty)");
    }
    List<String> levels = new ArrayList<>();
    Map<String, Double> scales = new LinkedHashMap<>();
    Map<String, Map<Integer, Long>> channels = new TreeMap<>();
    for (Row r : rows) {
      String level = r.getString(0);
      if (!levels.contains(level)) {
        levels.add(level);
      }
      if (!r.isNullAt(3)) {
        scales.merge(level, r.getDouble(3), Math::max);
      }
      channels.computeIfAbsent(level, k -> new TreeMap<>()).merge(r.getInt(1), r.getLong(2), Long::sum);
    }
    levels.sort(String::compareTo);
    return new IndexStats(levels, scales, channels);
  }

  List<String> levels() {
    return levels;
  }

  /** The map's own scale if the input has one, else the configured one, else NaN. */
  double scaleOf(String level, Map<String, Double> configured) {
    Double s = scales.get(level);
    if (s == null) {
      s = configured.get(level);
    }
    if (s == null) {
      s = configured.get("*");
    }
    return s == null ? Double.NaN : s;
  }

  /**
   * The most common channel count over the chosen levels (ties: the smaller); maps with another
   * count are rejected, so every output vector has one length.
   */
  int commonChannels(String[] chosen) {
    Map<Integer, Long> total = new TreeMap<>();
    for (String l : chosen) {
      Map<Integer, Long> m = channels.get(l);
      if (m == null) {
        throw new IllegalArgumentException("no usable feature map has level '" + l
            + "'; levels found: " + levels);
      }
      m.forEach((c, n) -> total.merge(c, n, Long::sum));
    }
    int best = -1;
    long bestCount = -1;
    for (Map.Entry<Integer, Long> e : total.entrySet()) {
      if (e.getValue() > bestCount) {
        best = e.getKey();
        bestCount = e.getValue();
      }
    }
    return best;
  }
}
