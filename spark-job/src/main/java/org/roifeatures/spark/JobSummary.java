package org.roifeatures.spark;

import java.util.Map;
import java.util.TreeMap;

/**
 * What a run did: images pooled, RoIs written, RoIs rejected by reason, where the outputs went.
 *
 * @param proposals       proposal rows read
 * @param imagesPooled    images whose maps were loaded and pooled
 * @param roisWritten     feature rows written
 * @param rejectsByReason reject rows per {@link RejectReason} name
 * @param selectedOut     proposals left out by {@code proposals.min.score} / {@code top.k}
 *                        (not in {@code proposals}, not rejected)
 */
public record JobSummary(long proposals, long imagesPooled, long roisWritten,
    Map<String, Long> rejectsByReason, String outputPath, String rejectsPath, double seconds,
    String settings, Timing timing, long selectedOut) {

  /** A run without selection. */
  public JobSummary(long proposals, long imagesPooled, long roisWritten,
      Map<String, Long> rejectsByReason, String outputPath, String rejectsPath, double seconds,
      String settings, Timing timing) {
    this(proposals, imagesPooled, roisWritten, rejectsByReason, outputPath, rejectsPath, seconds,
        settings, timing, 0);
  }

  /**
   * Where the time went. {@code phaseSeconds} is the wall time of each phase in order (index maps;
   * proposals: schema and planning; features; rejects); {@code featurePassSeconds} the wall time of
   * the features job (proposals read, validated and shuffled, maps read, pooling, encoding,
   * Parquet); the others are task-seconds summed over all tasks inside it, so with N cores they can
   * add up to N times the wall time.
   */
  public record Timing(double featurePassSeconds, double readTaskSeconds, double poolTaskSeconds,
      double encodeTaskSeconds, Map<String, Double> phaseSeconds) {

    public Timing(double featurePassSeconds, double readTaskSeconds, double poolTaskSeconds,
        double encodeTaskSeconds) {
      this(featurePassSeconds, readTaskSeconds, poolTaskSeconds, encodeTaskSeconds, Map.of());
    }

    /** "index 0.4 s, proposals 0.3 s, ..." or "" when phases were not timed. */
    public String phases() {
      StringBuilder b = new StringBuilder();
      phaseSeconds.forEach((k, v) -> b.append(b.length() > 0 ? ", " : "")
          .append(String.format("%s %.1f s", k, v)));
      return b.toString();
    }
  }

  public long rejected() {
    return rejectsByReason.values().stream().mapToLong(Long::longValue).sum();
  }

  /** A small table for the console. */
  public String table() {
    StringBuilder s = new StringBuilder();
    s.append("roi-features run summary\n");
    s.append(String.format("  %-28s %s%n", "settings", settings));
    s.append(String.format("  %-28s %,d%n", "proposals read", proposals));
    s.append(String.format("  %-28s %,d%n", "images pooled", imagesPooled));
    if (selectedOut > 0) {
      s.append(String.format("  %-28s %,d%n", "proposals selected out", selectedOut));
    }
    s.append(String.format("  %-28s %,d%n", "RoIs written", roisWritten));
    s.append(String.format("  %-28s %,d%n", "RoIs rejected", rejected()));
    for (Map.Entry<String, Long> e : new TreeMap<>(rejectsByReason).entrySet()) {
      s.append(String.format("    %-26s %,d%n", e.getKey(), e.getValue()));
    }
    s.append(String.format("  %-28s %.1f s (%,.0f RoIs/s)%n", "time", seconds,
        seconds > 0 ? roisWritten / seconds : 0.0));
    if (timing != null) {
      if (!timing.phaseSeconds().isEmpty()) {
        s.append(String.format("  %-28s %s%n", "phases (wall)", timing.phases()));
      }
      s.append(String.format("  %-28s %.1f s wall%n", "features pass", timing.featurePassSeconds()));
      s.append(String.format("    %-26s read maps %.1f, pool %.1f, encode %.1f (rest: input, "
          + "Parquet write)%n", "task-seconds in it", timing.readTaskSeconds(),
          timing.poolTaskSeconds(), timing.encodeTaskSeconds()));
    }
    s.append(String.format("  %-28s %s%n", "features written to", outputPath));
    s.append(String.format("  %-28s %s%n", "rejects written to", rejectsPath));
    return s.toString();
  }
}
