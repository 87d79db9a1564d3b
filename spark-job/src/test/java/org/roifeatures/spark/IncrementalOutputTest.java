package org.roifeatures.spark;

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
      assertEquals(OutputLock.EXIT_LOCKED, RoiFeaturesCli.exitCode(e));
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
