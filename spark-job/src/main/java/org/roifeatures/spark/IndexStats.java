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
import org.roifeatures.spark.io.MapEntry;

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

  /**
   * The facts as the configuration declares them, without reading the index: {@code levels}, each
   * with {@code channels}; the scales are the configured ones ({@link #scaleOf}).
   */
  static IndexStats declared(List<String> levels, int channels) {
    Map<String, Map<Integer, Long>> perLevel = new TreeMap<>();
    for (String l : levels) {
      perLevel.put(l, Map.of(channels, 1L));
    }
    return new IndexStats(new ArrayList<>(levels), Map.of(), perLevel, "");
  }

  private IndexStats(List<String> levels, Map<String, Double> scales,
      Map<String, Map<Integer, Long>> channels, String unreadableMapFiles) {
    this.levels = levels;
    this.scales = scales;
    this.channels = channels;
    this.unreadableMapFiles = unreadableMapFiles;
  }

  /**
   * One index group: entries with the same indexed/usable state, level and channel count, their
   * number, the largest spatial scale they state, and the first problems of unindexed files.
   */
  record Group(boolean unindexed, boolean usable, String level, int channels, long count,
      Double scale, List<String> problems) {}

  /**
   * One aggregation over the whole index, run by Spark (for indexes too large to collect). Entries
   * without an image id are whole files that could not be indexed (see {@code ArrowMapFiles.index});
   * their problems, naming the files, are kept as one text ({@link #unreadableMapFiles()}). Throws
   * when no entry is usable.
   */
  static IndexStats of(Dataset<Row> index) {
    List<Row> rows = index
        .groupBy(col("image_id").isNull().as("unindexed"), col("map.problem").isNull().as("usable"),
            col("map.level").as("level"), col("map.channels").as("channels"))
        .agg(functions.count(functions.lit(1)).as("n"),
            functions.max(functions.when(functions.isnan(col("map.spatial_scale")), null)
                .otherwise(col("map.spatial_scale"))).as("scale"),
            functions.slice(functions.collect_list(functions.when(col("image_id").isNull(),
                col("map.problem"))), 1, SHOWN_PROBLEMS).as("problems"))
        .collectAsList();
    List<Group> groups = new ArrayList<>();
    for (Row r : rows) {
      List<String> problems = new ArrayList<>();
      for (Object p : r.getList(6)) {
        problems.add((String) p);
      }
      groups.add(new Group(r.getBoolean(0), r.getBoolean(1), r.getString(2), r.getInt(3),
          r.getLong(4), r.isNullAt(5) ? null : r.getDouble(5), problems));
    }
    return fromGroups(groups);
  }

  /**
   * The same facts from an index collected to the driver ({@link MapEntry#INDEX_ROW} rows), computed
   * here instead of by a Spark aggregation.
   */
  static IndexStats ofEntries(List<Row> entries) {
    Map<List<Object>, Group> groups = new LinkedHashMap<>();
    for (Row r : entries) {
      MapEntry e = MapEntry.fromRow(r.getStruct(1));
      boolean unindexed = r.isNullAt(0);
      boolean usable = e.problem() == null;
      List<Object> key = List.of(unindexed, usable, e.level(), e.channels());
      Group g = groups.get(key);
      long count = g == null ? 1 : g.count() + 1;
      Double scale = g == null ? null : g.scale();
      if (!Double.isNaN(e.spatialScale())) {
        scale = scale == null ? e.spatialScale() : Math.max(scale, e.spatialScale());
      }
      List<String> problems = g == null ? new ArrayList<>() : g.problems();
      if (unindexed && e.problem() != null && problems.size() < SHOWN_PROBLEMS) {
        problems.add(e.problem());
      }
      groups.put(key, new Group(unindexed, usable, e.level(), e.channels(), count, scale, problems));
    }
    return fromGroups(new ArrayList<>(groups.values()));
  }

  private static IndexStats fromGroups(List<Group> groups) {
    List<String> levels = new ArrayList<>();
    Map<String, Double> scales = new LinkedHashMap<>();
    Map<String, Map<Integer, Long>> channels = new TreeMap<>();
    List<String> problems = new ArrayList<>();
    long unindexed = 0;
    for (Group g : groups) {
      if (g.unindexed()) {
        unindexed += g.count();
        for (String p : g.problems()) {
          if (problems.size() < SHOWN_PROBLEMS) {
            problems.add(p);
          }
        }
        continue;
      }
      if (!g.usable()) {
        continue; // a map with a problem: rejected per image later, no say in levels or channels
      }
      String level = g.level();
      if (!levels.contains(level)) {
        levels.add(level);
      }
      if (g.scale() != null) {
        scales.merge(level, g.scale(), Math::max);
      }
      channels.computeIfAbsent(level, k -> new TreeMap<>()).merge(g.channels(), g.count(), Long::sum);
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
