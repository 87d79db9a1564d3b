package org.roifeatures.spark.output;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The layout and commit protocol of {@code output.mode=append}, where each run adds the images that
 * the output does not hold yet. Images are units: an image that a committed run handled (pooled or
 * rejected, every proposal of it) is done and skipped by later runs.
 *
 * <pre>
 *   output/run=&lt;id&gt;/part-*          one directory per committed run (a partition column to readers)
 *   output/_runs/&lt;id&gt;.json          the run's record: settings, counts, status
 *   output/_runs/&lt;id&gt;.images/       the image ids the run handled (Parquet, one column)
 *   output_rejects/run=&lt;id&gt;/part-*  the run's rejects
 * </pre>
 *
 * <p>A run writes into hidden staging directories ({@code _staging-<id>}), then its image list and
 * record, then renames its rejects and finally its features staging directory to {@code run=<id>}:
 * that last rename is the run's commit point. A run counts as committed if and only if its
 * {@code run=<id>} features directory exists; readers never see a half-written run (staging names
 * start with {@code _}). The next run removes what a dead run left (staging directories, a record
 * without data, rejects published just before the crash). This needs a file system whose directory
 * rename is atomic (HDFS, local, ABFS with hierarchical namespace); one run at a time per output is
 * enforced by {@link OutputLock}, taken before the cleanup and checked again before the commit.
 *
 * <p>A run that redoes images ({@link ImageRedo}) supersedes the committed runs holding them: its
 * record lists them, and after its commit point it removes them, features first. A committed run
 * whose superseded runs are still there is finished by the next run's {@link #prepare}.
 */
public final class IncrementalOutput {

  public static final String RUNS = "_runs";
  /** The record key listing the runs a run supersedes. */
  public static final String SUPERSEDES = "supersedes";
  private static final String STAGING = "_staging-";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Configuration conf;
  private final Path features;
  private final Path rejects;
  private final String runId;
  private final Duration lockTimeout;
  private final String lockBreak;
  /** Held from {@link #prepare} to {@link #release}. */
  private OutputLock lock;
  /** Committed runs this run replaces (they hold images it redoes), oldest first. */
  private List<String> superseded = List.of();
  /** Testing only: the commit step after which {@link #commit} stops as if killed ("" for none). */
  private String stopAfter = "";

  /**
   * {@code lockTimeout}: how long another host's lock may go without a heartbeat before it counts
   * as stale; {@code lockBreak}: the run id of a holder declared dead ("" for none).
   */
  public IncrementalOutput(Configuration conf, String features, String rejects,
      Duration lockTimeout, String lockBreak) {
    this.conf = conf;
    this.features = new Path(features);
    this.rejects = new Path(rejects);
    this.lockTimeout = lockTimeout;
    this.lockBreak = lockBreak;
    this.runId = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmssSSS'Z'").withZone(ZoneOffset.UTC)
        .format(Instant.now()) + "-" + UUID.randomUUID().toString().substring(0, 8);
  }

  public String runId() {
    return runId;
  }

  /** Where this run's features go until the commit. */
  public String stagingFeatures() {
    return new Path(features, STAGING + runId).toString();
  }

  /** Where this run's rejects go until the commit. */
  public String stagingRejects() {
    return new Path(rejects, STAGING + runId).toString();
  }

  /** Where this run's list of handled image ids goes. */
  public String imagesPath() {
    return new Path(new Path(features, RUNS), runId + ".images").toString();
  }

  /** The features directory of committed run {@code id}. */
  public String committedFeatures(String id) {
    return new Path(features, "run=" + id).toString();
  }

  /** The rejects directory of committed run {@code id}. */
  public String committedRejects(String id) {
    return new Path(rejects, "run=" + id).toString();
  }

  /** The image list of committed run {@code id}. */
  public String committedImages(String id) {
    return new Path(new Path(features, RUNS), id + ".images").toString();
  }

  /**
   * Declares the committed runs this run replaces: its staging holds their rows of the images it
   * does not redo ({@link ImageRedo#carryOver}), and its commit removes them.
   */
  public void supersede(List<String> runIds) {
    this.superseded = List.copyOf(runIds);
  }

  /** Testing only: {@link #commit} stops after step {@code record} or {@code features}. */
  public void stopCommitAfter(String step) {
    this.stopAfter = step;
  }

  /**
   * Checks that an existing features directory is an incremental output (or empty), takes the
   * output's lock ({@link OutputLock}; refused with {@link OutputLock.Held} while another run holds
   * it) and removes what dead runs left. Returns the committed runs' image-list directories, oldest
   * first. The lock is held until {@link #release}.
   */
  public List<String> prepare() throws IOException {
    FileSystem fs = features.getFileSystem(conf);
    if (fs.exists(features)) {
      for (FileStatus f : fs.listStatus(features)) {
        String n = f.getPath().getName();
        if (!n.startsWith("_") && !n.startsWith(".") && !n.startsWith("run=")) {
          throw new IllegalArgumentException("output.mode append needs an output written in append "
              + "mode (run=<id> directories); " + features + " holds '" + n + "': write the "
              + "incremental output to a new path");
        }
      }
    }
    // Before any cleanup: a dead run's leftovers look the same as a live run's work in progress.
    lock = OutputLock.acquire(conf, features.toString(), runId, lockTimeout, lockBreak);
    try {
      return cleanUp(fs);
    } catch (IOException | RuntimeException e) {
      release();
      throw e;
    }
  }

  /** Stops this run's heartbeat and removes its lock (if it still has it). Never throws. */
  public void release() {
    if (lock != null) {
      lock.close();
      lock = null;
    }
  }

  private List<String> cleanUp(FileSystem fs) throws IOException {
    // A run committed after it superseded others: finish removing them (its commit died half-way).
    List<String> recorded = recordedRuns(fs);
    for (String id : recorded) {
      if (fs.exists(new Path(features, "run=" + id))) {
        for (String old : supersededBy(fs, id)) {
          removeSuperseded(fs, old);
        }
      }
    }
    List<String> committed = new ArrayList<>();
    for (String id : recordedRuns(fs)) {
      if (fs.exists(new Path(features, "run=" + id))) {
        committed.add(new Path(new Path(features, RUNS), id + ".images").toString());
      } else {
        // Recorded but never committed: the run died between its record and its commit point.
        // The record goes last, so a cleanup that dies half-way is finished by the next run.
        fs.delete(new Path(rejects, "run=" + id), true);
        fs.delete(new Path(new Path(features, RUNS), id + ".images"), true);
        fs.delete(new Path(new Path(features, RUNS), id + ".json"), false);
      }
    }
    // Rejects published by a run whose features never were, whatever is left of its record.
    if (fs.exists(rejects)) {
      for (FileStatus f : fs.listStatus(rejects)) {
        String n = f.getPath().getName();
        if (f.isDirectory() && n.startsWith("run=") && !fs.exists(new Path(features, n))) {
          fs.delete(f.getPath(), true);
        }
      }
    }
    for (Path dir : new Path[] {features, rejects}) {
      if (fs.exists(dir)) {
        for (FileStatus f : fs.listStatus(dir)) {
          if (f.getPath().getName().startsWith(STAGING)) {
            fs.delete(f.getPath(), true);
          }
        }
      }
    }
    return committed;
  }

  /** The run ids that have a record, in name (= start time) order. */
  private List<String> recordedRuns(FileSystem fs) throws IOException {
    Path runs = new Path(features, RUNS);
    List<String> ids = new ArrayList<>();
    if (!fs.exists(runs)) {
      return ids;
    }
    for (FileStatus f : fs.listStatus(runs)) {
      String n = f.getPath().getName();
      if (f.isFile() && n.endsWith(".json")) {
        ids.add(n.substring(0, n.length() - ".json".length()));
      }
    }
    ids.sort(null);
    return ids;
  }

  /**
   * Commits the run: its record, then its rejects, then its features (the commit point). The
   * staging directories must be complete.
   */
  public void commit(Map<String, Object> record) throws IOException {
    if (lock == null) {
      throw new IllegalStateException("run " + runId + " commits without the lock of " + features);
    }
    lock.verifyHeld();
    FileSystem fs = features.getFileSystem(conf);
    Path runs = new Path(features, RUNS);
    fs.mkdirs(runs);
    Map<String, Object> withSuperseded = new java.util.LinkedHashMap<>(record);
    if (!superseded.isEmpty()) {
      withSuperseded.put(SUPERSEDES, superseded);
    }
    try (OutputStream out = fs.create(new Path(runs, runId + ".json"), false)) {
      out.write(JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(withSuperseded));
    }
    stopIf("record");
    rename(fs, new Path(stagingRejects()), new Path(rejects, "run=" + runId));
    rename(fs, new Path(stagingFeatures()), new Path(features, "run=" + runId));
    stopIf("features");
    // After the commit point: the superseded runs' rows are all in this run (copied or redone).
    for (String old : superseded) {
      removeSuperseded(fs, old);
    }
  }

  private void stopIf(String step) {
    if (stopAfter.equals(step)) {
      throw new IllegalStateException("testing.stop.commit.after=" + step + ": run " + runId
          + " stopped in its commit");
    }
  }

  /** The runs that run {@code id}'s record says it supersedes. */
  private List<String> supersededBy(FileSystem fs, String id) throws IOException {
    List<String> out = new ArrayList<>();
    try (InputStream in = fs.open(new Path(new Path(features, RUNS), id + ".json"))) {
      for (JsonNode n : JSON.readTree(in).path(SUPERSEDES)) {
        out.add(n.asText());
      }
    }
    return out;
  }

  /**
   * Removes a superseded run: its features first, which uncommits it, so that a removal that dies
   * half-way is finished by the cleanup of uncommitted runs (rejects, image list, then record).
   */
  private void removeSuperseded(FileSystem fs, String id) throws IOException {
    fs.delete(new Path(features, "run=" + id), true);
    fs.delete(new Path(rejects, "run=" + id), true);
    fs.delete(new Path(new Path(features, RUNS), id + ".images"), true);
    fs.delete(new Path(new Path(features, RUNS), id + ".json"), false);
  }

  private static void rename(FileSystem fs, Path from, Path to) throws IOException {
    if (!fs.rename(from, to)) {
      throw new IOException("cannot rename " + from + " to " + to);
    }
  }

  /** The records of the committed runs of an incremental output, oldest first (for inspect). */
  public static List<JsonNode> committedRuns(Configuration conf, String features) throws IOException {
    Path dir = new Path(features);
    FileSystem fs = dir.getFileSystem(conf);
    List<JsonNode> out = new ArrayList<>();
    Path runs = new Path(dir, RUNS);
    if (!fs.exists(runs)) {
      return out;
    }
    List<String> names = new ArrayList<>();
    for (FileStatus f : fs.listStatus(runs)) {
      names.add(f.getPath().getName());
    }
    names.sort(null);
    for (String n : names) {
      if (!n.endsWith(".json")) {
        continue;
      }
      String id = n.substring(0, n.length() - ".json".length());
      if (!fs.exists(new Path(dir, "run=" + id))) {
        continue;
      }
      try (InputStream in = fs.open(new Path(runs, n))) {
        out.add(JSON.readTree(in));
      }
    }
    return out;
  }

  /** The first key whose value differs between two vector descriptions, or null when none. */
  public static String firstDifference(Map<String, String> stored, Map<String, String> now) {
    for (Iterator<String> it = now.keySet().iterator(); it.hasNext();) {
      String k = it.next();
      if (!java.util.Objects.equals(stored.get(k), now.get(k))) {
        return k;
      }
    }
    for (String k : stored.keySet()) {
      if (!now.containsKey(k)) {
        return k;
      }
    }
    return null;
  }
}
