package org.roifeatures.spark;

import org.roifeatures.spark.cli.InspectAccess;
import org.roifeatures.spark.conf.JobOptions;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.functions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.roifeatures.spark.output.IncrementalOutput;
import org.roifeatures.spark.output.OutputLock;
import org.roifeatures.spark.output.RunRecord;
import org.roifeatures.spark.sample.SampleGenerator;

/**
 * {@code output.mode=append}: a run on images 1..N followed by one on 1..2N gives, key by key, the
 * output of one run on 1..2N; images already committed are skipped (their rejects are not written
 * again); a run whose settings would make its vectors incomparable is refused naming the setting; what
 * a dead run left is never taken for committed data.
 */
class IncrementalOutputTest extends SparkTestBase {

  private static Path dir;
  private static Path maps;
  private static Path firstHalf;
  private static Path all;
  private static Set<String> inputKeys;

  @BeforeAll
  static void setUp() throws Exception {
    dir = tempDir("incremental");
    Path data = dir.resolve("data");
    SampleGenerator.generate(spark, data, new SampleGenerator.Spec(8, 2, 4, 5, 15, 64, 96, 21),
        false);
    maps = data.resolve("maps_parquet");
    Dataset<Row> props = spark.read().parquet(data.resolve("proposals_parquet").toString())
        .union(spark.createDataFrame(List.of(
            RowFactory.create("ghost-1", 1.0, 1.0, 9.0, 9.0, 0.5, 1),
            RowFactory.create("ghost-2", 2.0, 2.0, 8.0, 8.0, 0.4, 2)),
            SampleGenerator.PROPOSAL_SCHEMA));
    List<String> ids = new java.util.ArrayList<>(new TreeSet<>(props.select("image_id")
        .distinct().as(org.apache.spark.sql.Encoders.STRING()).collectAsList()));
    List<String> half = ids.subList(0, ids.size() / 2);
    // One file each, in input order, so roi_ids (positions within an image) agree between inputs.
    firstHalf = data.resolve("proposals_half");
    all = data.resolve("proposals_all");
    props.coalesce(1).write().parquet(all.toString());
    spark.read().parquet(all.toString()).filter(col("image_id").isin(half.toArray()))
        .coalesce(1).write().parquet(firstHalf.toString());
    inputKeys = new HashSet<>();
    Map<String, Integer> perImage = new HashMap<>();
    for (Row r : spark.read().parquet(all.toString()).collectAsList()) {
      inputKeys.add(r.getString(0) + "/" + (perImage.merge(r.getString(0), 1, Integer::sum) - 1));
    }
    // Redo: one image of the first run (a reject-only one), one more of it, one of the second run
    // (which gains a bad proposal), one the earlier runs never saw, and one in no input at all. The
    // changed input moves the boxes of the redone images.
    late = ids.get(ids.size() - 1);
    redone = List.of(ids.get(0), ids.get(2), ids.get(ids.size() / 2 + 1), late);
    allButLate = data.resolve("proposals_all_but_late");
    spark.read().parquet(all.toString()).filter(col("image_id").notEqual(late)).coalesce(1)
        .write().parquet(allButLate.toString());
    changed = data.resolve("proposals_changed");
    Dataset<Row> moved = spark.read().parquet(all.toString()).withColumn("x1",
        functions.when(col("image_id").isin(redone.toArray()), col("x1").plus(1.5))
            .otherwise(col("x1")));
    moved.union(spark.createDataFrame(List.of(RowFactory.create(redone.get(2), Double.NaN, 1.0, 5.0,
        5.0, 0.1, 1)), SampleGenerator.PROPOSAL_SCHEMA)).coalesce(1).write()
        .parquet(changed.toString());
    redoList = data.resolve("redo.txt");
    Files.writeString(redoList, String.join("\n", redone) + "\n\n  never-anywhere  \n");
  }

  private static String late;
  private static List<String> redone;
  private static Path allButLate;
  private static Path changed;
  private static Path redoList;
  private static String onceChanged;

  /** One run on the changed input: what every redo must end up equal to. */
  private static synchronized String onceChanged() {
    if (onceChanged == null) {
      onceChanged = dir.resolve("once-changed").toString();
      run(changed, onceChanged);
    }
    return onceChanged;
  }

  /** Two append runs: the first half, then everything but {@code late}. */
  private static String twoRuns(String name) {
    String inc = dir.resolve(name).toString();
    run(firstHalf, inc, JobOptions.SAVE_MODE, "append");
    run(allButLate, inc, JobOptions.SAVE_MODE, "append");
    return inc;
  }

  private static JobSummary redo(String inc, String... extra) {
    String[] base = {JobOptions.SAVE_MODE, "append", JobOptions.REDO_IMAGES, redoList.toString()};
    return run(changed, inc, Stream.concat(Stream.of(base), Stream.of(extra))
        .toArray(String[]::new));
  }

  /** The output equals one run on the changed input key by key, and its image lists are exact. */
  private static void assertEqualsOneRunOnTheChangedInput(String inc) throws Exception {
    String once = onceChanged();
    Map<String, byte[]> want = vectors(once);
    Map<String, byte[]> got = vectors(inc);
    assertEquals(want.keySet(), got.keySet());
    want.forEach((k, v) -> assertArrayEquals(v, got.get(k), k));
    assertEquals(rejectKeys(once + "_rejects"), rejectKeys(inc + "_rejects"));
    assertEquals(RunRecord.State.COMPLETE,
        RunRecord.state(spark.sparkContext().hadoopConfiguration(), inc));
    // Every image of the input in exactly one committed run's list, and nothing else.
    List<String> listed = new java.util.ArrayList<>();
    for (com.fasterxml.jackson.databind.JsonNode r : IncrementalOutput.committedRuns(
        spark.sparkContext().hadoopConfiguration(), inc)) {
      listed.addAll(spark.read().parquet(Path.of(inc, IncrementalOutput.RUNS,
          r.path("run_id").asText() + ".images").toString()).as(
              org.apache.spark.sql.Encoders.STRING()).collectAsList());
    }
    Set<String> inputImages = new TreeSet<>(spark.read().parquet(changed.toString())
        .select("image_id").as(org.apache.spark.sql.Encoders.STRING()).collectAsList());
    assertEquals(inputImages.size(), listed.size(), "no image listed twice: " + listed);
    assertEquals(inputImages, new TreeSet<>(listed));
  }

  @AfterAll
  static void cleanup() throws Exception {
    deleteTree(dir);
  }

  private static JobSummary run(Path proposals, String out, String... extra) {
    String[] base = {JobOptions.MAPS_PATH, maps.toString(), JobOptions.PROPOSALS_PATH,
        proposals.toString(), JobOptions.OP, "multiscale_roi_align", JobOptions.OUTPUT_PATH, out};
    return runJob(Stream.concat(Stream.of(base), Stream.of(extra)).toArray(String[]::new));
  }

  private static Map<String, byte[]> vectors(String path) {
    return OutputKeys.vectors(spark, path);
  }

  private static List<String> rejectKeys(String path) {
    return OutputKeys.rejects(spark, path);
  }

  @Test
  void twoAppendRunsEqualOneRunKeyByKey() throws Exception {
    String once = dir.resolve("once").toString();
    run(all, once);
    String inc = dir.resolve("inc").toString();
    JobSummary first = run(firstHalf, inc, JobOptions.SAVE_MODE, "append");
    JobSummary second = run(all, inc, JobOptions.SAVE_MODE, "append");
    assertTrue(first.proposals() > 0 && second.proposals() > 0);
    assertEquals(inputKeys.size(), first.proposals() + second.proposals(),
        "the second run read only the images the first did not handle");

    Map<String, byte[]> want = vectors(once);
    Map<String, byte[]> got = vectors(inc);
    assertEquals(want.keySet(), got.keySet());
    want.forEach((k, v) -> assertArrayEquals(v, got.get(k), k));
    assertEquals(rejectKeys(once + "_rejects"), rejectKeys(inc + "_rejects"),
        "rejects once each, none repeated by the second run");
    Set<String> everything = new HashSet<>(got.keySet());
    for (String r : rejectKeys(inc + "_rejects")) {
      everything.add(r.substring(0, r.lastIndexOf('/')));
    }
    assertEquals(inputKeys, everything, "every input proposal written or rejected");

    // Two committed runs, each its own run=<id> directory; the output is complete.
    assertEquals(2, IncrementalOutput.committedRuns(spark.sparkContext().hadoopConfiguration(), inc)
        .size());
    assertEquals(RunRecord.State.COMPLETE,
        RunRecord.state(spark.sparkContext().hadoopConfiguration(), inc));
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    InspectAccess.print(spark, inc, new PrintStream(buf, true));
    assertTrue(buf.toString().contains("committed runs (output.mode append): 2"), buf.toString());

    // The records count the images each run handled, and those it found done.
    List<com.fasterxml.jackson.databind.JsonNode> runs = IncrementalOutput.committedRuns(
        spark.sparkContext().hadoopConfiguration(), inc);
    long allImages = inputKeys.stream().map(k -> k.substring(0, k.indexOf('/'))).distinct().count();
    assertEquals(allImages / 2, runs.get(0).path("images_handled").asLong());
    assertEquals(0, runs.get(0).path("images_done_before").asLong());
    assertEquals(allImages - allImages / 2, runs.get(1).path("images_handled").asLong());
    assertEquals(allImages / 2, runs.get(1).path("images_done_before").asLong());

    // A third run over the same input has nothing left to do.
    JobSummary third = run(all, inc, JobOptions.SAVE_MODE, "append");
    assertEquals(0, third.proposals());
    assertEquals(want.keySet(), vectors(inc).keySet());
    assertFalse(Files.exists(Path.of(inc, OutputLock.LOCK)), "every run released its lock");
  }

  @Test
  void anAppendRunIsRefusedWhileAnotherHoldsTheOutput() throws Exception {
    String inc = dir.resolve("locked").toString();
    run(firstHalf, inc, JobOptions.SAVE_MODE, "append");
    Set<String> before = vectors(inc).keySet();
    String report = dir.resolve("locked-summary.json").toString();
    // A run in progress on the same output (in this JVM, so its holder is alive).
    try (OutputLock running = OutputLock.acquire(spark.sparkContext().hadoopConfiguration(), inc,
        "running-run", java.time.Duration.ofMinutes(5), "")) {
      OutputLock.Held e = assertThrows(OutputLock.Held.class,
          () -> run(all, inc, JobOptions.SAVE_MODE, "append", JobOptions.SUMMARY_JSON, report));
      assertTrue(e.getMessage().contains(inc) && e.getMessage().contains("running-run"),
          e.getMessage());
      assertEquals(OutputLock.EXIT_LOCKED, RoiFeaturesJob.exitCode(e));
      assertEquals(OutputLock.EXIT_LOCKED, new com.fasterxml.jackson.databind.ObjectMapper()
          .readTree(new java.io.File(report)).path("exit_code").asInt());
      // The refused run changed nothing, the holder's lock included.
      assertEquals(before, vectors(inc).keySet());
      assertEquals(1, IncrementalOutput.committedRuns(spark.sparkContext().hadoopConfiguration(),
          inc).size());
      assertEquals(RunRecord.State.COMPLETE,
          RunRecord.state(spark.sparkContext().hadoopConfiguration(), inc));
      running.verifyHeld();
    }
    // Released: the next run proceeds and completes the output.
    run(all, inc, JobOptions.SAVE_MODE, "append");
    assertEquals(inputKeys.size(), vectors(inc).size() + rejectKeys(inc + "_rejects").size());
  }

  @Test
  void appendWithOtherSettingsIsRefusedNamingTheSetting() throws Exception {
    String inc = dir.resolve("settings").toString();
    run(firstHalf, inc, JobOptions.SAVE_MODE, "append");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> run(all, inc, JobOptions.SAVE_MODE, "append", JobOptions.POOLED_HEIGHT, "5"));
    assertTrue(e.getMessage().contains("roi_features.pooled_height=7")
        && e.getMessage().contains("roi_features.pooled_height=5"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> run(all, inc, JobOptions.SAVE_MODE, "append", JobOptions.PRECISION, "float16"));
    assertTrue(e.getMessage().contains("roi_features.dtype"), e.getMessage());
    // Nothing was added by the refused runs.
    assertEquals(1, IncrementalOutput.committedRuns(spark.sparkContext().hadoopConfiguration(), inc)
        .size());
    assertFalse(Files.exists(Path.of(inc, OutputLock.LOCK)), "a failed run released its lock");
  }

  @Test
  void whatADeadRunLeftIsCleanedUpAndRedone() throws Exception {
    String inc = dir.resolve("dead").toString();
    run(firstHalf, inc, JobOptions.SAVE_MODE, "append");
    // A run that died after its record and rejects, before its commit point: a record without a
    // run=<id> directory, its published rejects, and a staging directory with a part file.
    Path runs = Path.of(inc, IncrementalOutput.RUNS);
    Files.writeString(runs.resolve("20000101T000000Z-dead.json"), "{\"status\":\"committed\"}");
    Path orphanRejects = Path.of(inc + "_rejects", "run=20000101T000000Z-dead");
    Files.createDirectories(orphanRejects);
    Files.copy(firstPart(Path.of(inc + "_rejects")), orphanRejects.resolve("part-00000-x.parquet"));
    Path staging = Path.of(inc, "_staging-20000101T000000Z-dead");
    Files.createDirectories(staging);
    Files.writeString(staging.resolve("part-00000.parquet"), "half written");
    // Its lock, refreshed just now, names a process of this host that has ended.
    Process ended = new ProcessBuilder("true").start();
    assertEquals(0, ended.waitFor());
    OutputLock.Holder me = OutputLock.Holder.self("20000101T000000Z-dead");
    Files.write(Path.of(inc, OutputLock.LOCK), new OutputLock.Holder(me.runId(), me.host(),
        me.bootId(), ended.pid(), me.processStart(), me.startedAt()).toJson());

    run(all, inc, JobOptions.SAVE_MODE, "append");
    String once = dir.resolve("dead-once").toString();
    run(all, once);
    assertEquals(vectors(once).keySet(), vectors(inc).keySet());
    assertEquals(rejectKeys(once + "_rejects"), rejectKeys(inc + "_rejects"));
    assertFalse(Files.exists(staging));
    assertFalse(Files.exists(orphanRejects));
    assertFalse(Files.exists(runs.resolve("20000101T000000Z-dead.json")));
    assertFalse(Files.exists(Path.of(inc, OutputLock.LOCK)), "the dead run's lock was taken over");
  }

  @Test
  void redoneImagesReplaceTheirEarlierRows() throws Exception {
    String inc = twoRuns("redo");
    List<String> before = runIds(inc);
    JobSummary summary = redo(inc);
    // Read: the redone images (the one in no input has no proposals), and late's.
    long redoneRows = spark.read().parquet(changed.toString())
        .filter(col("image_id").isin(redone.toArray())).count();
    assertEquals(redoneRows, summary.proposals());
    assertEqualsOneRunOnTheChangedInput(inc);
    // Both earlier runs held a redone image: replaced by the new run, which records that.
    List<String> after = runIds(inc);
    assertEquals(1, after.size(), after.toString());
    com.fasterxml.jackson.databind.JsonNode record = IncrementalOutput.committedRuns(
        spark.sparkContext().hadoopConfiguration(), inc).get(0);
    List<String> superseded = new java.util.ArrayList<>();
    record.path(IncrementalOutput.SUPERSEDES).forEach(n -> superseded.add(n.asText()));
    assertEquals(before, superseded);
    assertFalse(Files.exists(Path.of(inc + "_rejects", "run=" + before.get(0))));
  }

  @Test
  void aRedoStoppedAfterItsRecordIsRolledBackAndRedone() throws Exception {
    String inc = twoRuns("redo-stop-record");
    Map<String, byte[]> old = vectors(inc);
    assertThrows(IllegalStateException.class,
        () -> redo(inc, JobOptions.TESTING_STOP_COMMIT, "record"));
    // Not committed: the earlier runs are intact, nothing is marked complete.
    assertEquals(old.keySet(), vectors(inc).keySet());
    assertFalse(Files.exists(Path.of(inc, RunRecord.SUCCESS)));
    redo(inc);
    assertEqualsOneRunOnTheChangedInput(inc);
  }

  @Test
  void aRedoStoppedAfterItsCommitPointIsRolledForward() throws Exception {
    String inc = twoRuns("redo-stop-features");
    assertThrows(IllegalStateException.class,
        () -> redo(inc, JobOptions.TESTING_STOP_COMMIT, "features"));
    // Committed but not finished: the superseded runs are still there beside it, and the output is
    // not marked complete, so a reader that honours _SUCCESS does not take the duplicates.
    assertEquals(3, runIds(inc).size());
    assertFalse(Files.exists(Path.of(inc, RunRecord.SUCCESS)));
    // Any next append run finishes the commit first: here one with nothing left to do.
    JobSummary next = run(changed, inc, JobOptions.SAVE_MODE, "append");
    assertEquals(0, next.proposals());
    assertEqualsOneRunOnTheChangedInput(inc);
  }

  @Test
  void redoingImagesNeverWrittenJustComputesThem() throws Exception {
    String inc = dir.resolve("redo-first").toString();
    redo(inc);
    assertEqualsOneRunOnTheChangedInput(inc);
    assertEquals(1, runIds(inc).size());
  }

  @Test
  void redoNeedsAppendModeAndAReadableList() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> run(changed,
        dir.resolve("redo-error-mode").toString(), JobOptions.REDO_IMAGES, redoList.toString()));
    assertTrue(e.getMessage().contains(JobOptions.REDO_IMAGES), e.getMessage());
    assertEquals(2, RoiFeaturesJob.exitCode(e));
    String missing = dir.resolve("no-such-redo-list.txt").toString();
    e = assertThrows(IllegalArgumentException.class, () -> run(changed,
        dir.resolve("redo-missing-list").toString(), JobOptions.SAVE_MODE, "append",
        JobOptions.REDO_IMAGES, missing));
    assertTrue(e.getMessage().contains(missing), e.getMessage());
    assertEquals(4, RoiFeaturesJob.exitCode(e), "an unreadable input");
    assertFalse(Files.exists(dir.resolve("redo-missing-list")), "nothing left behind");
  }

  private static List<String> runIds(String inc) throws Exception {
    List<String> ids = new java.util.ArrayList<>();
    for (com.fasterxml.jackson.databind.JsonNode r : IncrementalOutput.committedRuns(
        spark.sparkContext().hadoopConfiguration(), inc)) {
      ids.add(r.path("run_id").asText());
    }
    return ids;
  }

  @Test
  void appendRefusesAnOutputWrittenInAnotherMode() throws Exception {
    String plain = dir.resolve("plain").toString();
    run(firstHalf, plain);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> run(all, plain, JobOptions.SAVE_MODE, "append"));
    assertTrue(e.getMessage().contains("append"), e.getMessage());
  }

  private static Path firstPart(Path root) throws Exception {
    try (Stream<Path> s = Files.walk(root)) {
      return s.filter(p -> p.getFileName().toString().startsWith("part-")).findFirst()
          .orElseThrow();
    }
  }
}
