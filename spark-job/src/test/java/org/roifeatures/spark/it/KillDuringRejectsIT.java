package org.roifeatures.spark.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.roifeatures.spark.cli.InspectAccess;
import org.roifeatures.spark.conf.JobOptions;
import org.roifeatures.spark.SparkTestBase;
import org.roifeatures.spark.output.RunRecord;
import org.roifeatures.spark.sample.SampleGenerator;
import org.roifeatures.spark.task.HoldForKill;

/**
 * A real job process killed with SIGKILL while it writes its rejects (after its features are
 * committed): afterwards no reader and no next run can take the output for a complete one, and an
 * overwrite run completes it with every proposal accounted for.
 */
class KillDuringRejectsIT extends SparkTestBase {

  private static Path dir;
  private static Path data;
  private static Set<String> inputKeys;
  private static Set<String> ghostImages;

  @BeforeAll
  static void setUp() throws Exception {
    dir = tempDir("kill");
    data = dir.resolve("data");
    SampleGenerator.generate(spark, data, new SampleGenerator.Spec(6, 1, 4, 10, 20, 64, 96, 3),
        false);
    // Proposals of images without maps, so that the rejects pass has rows to write.
    List<Row> ghosts = List.of(
        RowFactory.create("ghost-a", 1.0, 1.0, 9.0, 9.0, 0.5, 1),
        RowFactory.create("ghost-a", 2.0, 2.0, 8.0, 8.0, 0.4, 2),
        RowFactory.create("ghost-b", 3.0, 3.0, 7.0, 7.0, 0.3, 3));
    spark.read().parquet(data.resolve("proposals_parquet").toString())
        .union(spark.createDataFrame(ghosts, SampleGenerator.PROPOSAL_SCHEMA))
        .write().parquet(data.resolve("proposals").toString());
    inputKeys = new HashSet<>();
    ghostImages = Set.of("ghost-a", "ghost-b");
    // roi_id is the proposal's position within its image in input order.
    Map<String, Integer> perImage = new java.util.HashMap<>();
    for (Row r : spark.read().parquet(data.resolve("proposals").toString()).collectAsList()) {
      String id = r.getString(0);
      int pos = perImage.merge(id, 1, Integer::sum) - 1;
      inputKeys.add(id + "/" + pos);
    }
  }

  @AfterAll
  static void cleanup() throws Exception {
    deleteTree(dir);
  }

  @Test
  void aJobKilledWhileWritingRejectsNeverLooksComplete() throws Exception {
    Path out = dir.resolve("features");
    Path rejects = dir.resolve("features_rejects");
    List<String> cmd = SparkSubmitLauncher.javaCommand(List.of("-Xmx1g"),
        "org.apache.spark.deploy.SparkSubmit");
    cmd.addAll(List.of("--master", "local[2]", "--conf", "spark.ui.enabled=false",
        "--class", "org.roifeatures.spark.cli.RoiFeaturesCli",
        SparkSubmitLauncher.fatJar().toString(), "run",
        "--maps.path", data.resolve("maps_parquet").toString(),
        "--proposals.path", data.resolve("proposals").toString(),
        "--output.path", out.toString(), "--testing.hold.phase", "rejects"));
    Path log = SparkSubmitLauncher.logFile("kill-during-rejects");
    Process p = SparkSubmitLauncher.start(cmd, log, Map.of());
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(300);
      while (!Files.readString(log).contains(HoldForKill.ANNOUNCEMENT)) {
        assertTrue(p.isAlive(), "the job ended before the rejects pass:\n"
            + SparkSubmitLauncher.tail(log));
        assertTrue(System.nanoTime() < deadline, "no rejects pass within 300 s:\n"
            + SparkSubmitLauncher.tail(log));
        Thread.sleep(200);
      }
      // The job is inside the rejects pass with a rejects file open: SIGKILL, no shutdown hooks.
      p.destroyForcibly();
      assertTrue(p.waitFor(60, TimeUnit.SECONDS));
      assertEquals(137, p.exitValue(), "killed by SIGKILL");
    } finally {
      SparkSubmitLauncher.killTree(p);
    }

    // The kill landed after the features were committed and before the run finished.
    assertTrue(partFiles(out) > 0, "features were committed before the kill");
    assertFalse(Files.exists(out.resolve(RunRecord.SUCCESS)), "features not marked complete");
    assertFalse(Files.exists(out.resolve(RunRecord.SUMMARY)), "no run summary");
    assertFalse(Files.exists(rejects.resolve(RunRecord.SUCCESS)), "rejects not marked complete");
    assertEquals(0, partFiles(rejects), "no committed rejects file");
    assertEquals(RunRecord.State.UNFINISHED,
        RunRecord.state(spark.sparkContext().hadoopConfiguration(), out.toString()));

    // inspect says so, without a stack trace, for both directories.
    String features = inspect(out);
    assertTrue(features.contains("UNFINISHED, not complete"), features);
    String rej = inspect(rejects);
    assertTrue(rej.contains("UNFINISHED") && rej.contains("no committed data files"), rej);

    // The next run in the default mode refuses, saying what it found.
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> runJob(
        JobOptions.MAPS_PATH, data.resolve("maps_parquet").toString(),
        JobOptions.PROPOSALS_PATH, data.resolve("proposals").toString(),
        JobOptions.OUTPUT_PATH, out.toString()));
    assertTrue(e.getMessage().contains("unfinished run"), e.getMessage());

    // An overwrite run completes it: every input proposal exactly once, written or rejected.
    runJob(JobOptions.MAPS_PATH, data.resolve("maps_parquet").toString(),
        JobOptions.PROPOSALS_PATH, data.resolve("proposals").toString(),
        JobOptions.OUTPUT_PATH, out.toString(), JobOptions.SAVE_MODE, "overwrite");
    assertTrue(Files.exists(out.resolve(RunRecord.SUCCESS)));
    List<String> written = keys(out.toString());
    List<String> rejected = keys(rejects.toString());
    Set<String> all = new HashSet<>(written);
    all.addAll(rejected);
    assertEquals(written.size() + rejected.size(), all.size(), "no key twice");
    assertEquals(inputKeys, all);
    for (String k : rejected) {
      assertTrue(ghostImages.contains(k.substring(0, k.indexOf('/'))), k);
    }
    assertEquals(3, rejected.size());
  }

  private static List<String> keys(String path) {
    return spark.read().parquet(path).select("image_id", "roi_id").collectAsList().stream()
        .map(r -> r.getString(0) + "/" + r.getLong(1)).toList();
  }

  private static String inspect(Path path) throws Exception {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    InspectAccess.print(spark, path.toString(), new PrintStream(buf, true));
    return buf.toString();
  }

  private static long partFiles(Path p) throws Exception {
    if (!Files.exists(p)) {
      return 0;
    }
    try (Stream<Path> s = Files.list(p)) {
      return s.filter(f -> f.getFileName().toString().startsWith("part-")).count();
    }
  }
}
