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
 * scales, the channel count every vector will have, and which map files could not be indexed.
 * Computed with one small aggregation.
 */
final class IndexStats {

  private final List<String> levels;
  private final Map<String, Double> scales;
  /** level → (channels → count) over usable maps. */
  private final Map<String, Map<Integer, Long>> channels;
  private final String unreadableMapFiles;

  /** Problems of unindexable files quoted in messages: a few point at the cause. */
  private static final int SHOWN_PROBLEMS = 5;

  private IndexStats(List<String> levels, Map<String, Double> scales,
      Map<String, Map<Integer, Long>> channels, String unreadableMapFiles) {
    this.levels = levels;
    this.scales = scales;
    this.channels = channels;
    this.unreadableMapFiles = unreadableMapFiles;
  }

  /**
   * One aggregation over the whole index. Entries without an image id are whole files that could not
   * be indexed (see {@code ArrowMapFiles.index}); their problems, naming the files, are kept as one
   * text ({@link #unreadableMapFiles()}). Throws when no entry is usable.
   */
  static IndexStats of(Dataset<Row> index, Map<String, Double> configured) {
    List<Row> rows = index
        .groupBy(col("image_id").isNull().as("unindexed"), col("map.problem").isNull().as("usable"),
            col("map.level").as("level"), col("map.channels").as("channels"))
        .agg(functions.count(functions.lit(1)).as("n"),
            functions.max(functions.when(functions.isnan(col("map.spatial_scale")), null)
                .otherwise(col("map.spatial_scale"))).as("scale"),
            functions.slice(functions.collect_list(functions.when(col("image_id").isNull(),
                col("map.problem"))), 1, SHOWN_PROBLEMS).as("problems"))
        .collectAsList();
    List<String> levels = new ArrayList<>();
    Map<String, Double> scales = new LinkedHashMap<>();
    Map<String, Map<Integer, Long>> channels = new TreeMap<>();
    List<String> problems = new ArrayList<>();
    long unindexed = 0;
    for (Row r : rows) {
      if (r.getBoolean(0)) {
        unindexed += r.getLong(4);
        for (Object p : r.getList(6)) {
          if (problems.size() < SHOWN_PROBLEMS) {
            problems.add((String) p);
          }
        }
        continue;
      }
      if (!r.getBoolean(1)) {
        continue; // a map with a problem: rejected per image later, no say in levels or channels
      }
      String level = r.getString(2);
      if (!levels.contains(level)) {
        levels.add(level);
      }
      if (!r.isNullAt(5)) {
        scales.merge(level, r.getDouble(5), Math::max);
      }
      channels.computeIfAbsent(level, k -> new TreeMap<>()).merge(r.getInt(3), r.getLong(4), Long::sum);
    }
    String unreadable = String.join("; ", problems);
    if (unindexed > problems.size()) {
      unreadable += "; and " + (unindexed - problems.size()) + " more files";
    }
    if (levels.isEmpty()) {
      throw new IllegalArgumentException("no usable feature maps found (every map index entry "
          + "has a problem, or the input is empty)" + (unreadable.isEmpty() ? ""
          : "; unreadable: " + unreadable));
    }
    levels.sort(String::compareTo);
    return new IndexStats(levels, scales, channels, unreadable);
  }

  /** Problems of map files that could not be indexed at all, naming the files ("" if none). */
  String unreadableMapFiles() {
    return unreadableMapFiles;
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
