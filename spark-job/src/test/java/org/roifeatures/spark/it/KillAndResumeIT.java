package org.roifeatures.spark.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.spark.sql.RowFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.roifeatures.spark.conf.JobOptions;
import org.roifeatures.spark.OutputKeys;
import org.roifeatures.spark.SparkTestBase;
import org.roifeatures.spark.output.RunRecord;
import org.roifeatures.spark.sample.SampleGenerator;
import org.roifeatures.spark.task.HoldForKill;

/**
 * Crash safety of {@code output.mode=append}, with real kills: a job process is killed with SIGKILL
 * while it builds the map index, while it writes features (a part file open), and while it writes
 * rejects; in between, nothing in the output looks complete or committed to a reader; the same
 * command re-run completes the output, and the result equals an uninterrupted run key by key:
 * every proposal exactly once, the same vectors, the same rejects.
 */
class KillAndResumeIT extends SparkTestBase {

  private static Path dir;
  private static Path maps;
  private static Path proposals;
  private static Map<String, byte[]> want;
  private static List<String> wantRejects;

  @BeforeAll
  static void setUp() throws Exception {
    dir = tempDir("kill-resume");
    Path data = dir.resolve("data");
    SampleGenerator.generate(spark, data, new SampleGenerator.Spec(8, 2, 8, 20, 40, 96, 128, 9),
        false);
    maps = data.resolve("maps_parquet");
    proposals = data.resolve("proposals");
    spark.read().parquet(data.resolve("proposals_parquet").toString())
        .union(spark.createDataFrame(List.of(
            RowFactory.create("ghost-a", 1.0, 1.0, 9.0, 9.0, 0.5, 1),
            RowFactory.create("ghost-b", 3.0, 3.0, 7.0, 7.0, 0.3, 3)),
            SampleGenerator.PROPOSAL_SCHEMA))
        .coalesce(1).write().parquet(proposals.toString());
    String reference = dir.resolve("reference").toString();
    runJob(JobOptions.MAPS_PATH, maps.toString(), JobOptions.PROPOSALS_PATH, proposals.toString(),
        JobOptions.OP, "multiscale_roi_align", JobOptions.OUTPUT_PATH, reference);
    want = vectors(reference);
    wantRejects = rejects(reference + "_rejects");
    // The reference itself against the input: every proposal written or rejected, once.
    long inputRows = spark.read().parquet(proposals.toString()).count();
    assertEquals(inputRows, want.size() + wantRejects.size());
    assertEquals(2, wantRejects.size());
  }

  @AfterAll
  static void cleanup() throws Exception {
    deleteTree(dir);
  }

  @Test
  void killedWhileIndexingThenResumed() throws Exception {
    killAndResume("index");
  }

  @Test
  void killedWhileWritingFeaturesThenResumed() throws Exception {
    killAndResume("features");
  }

  @Test
  void killedWhileWritingRejectsThenResumed() throws Exception {
    killAndResume("rejects");
  }

  private static void killAndResume(String phase) throws Exception {
    Path out = dir.resolve("out-" + phase);
    List<String> args = List.of("run", "--maps.path", maps.toString(),
        "--proposals.path", proposals.toString(), "--op", "multiscale_roi_align",
        "--output.path", out.toString(), "--output.mode", "append");
    List<String> cmd = SparkSubmitLauncher.javaCommand(List.of("-Xmx1g"),
        "org.apache.spark.deploy.SparkSubmit");
    cmd.addAll(List.of("--master", "local[2]", "--conf", "spark.ui.enabled=false",
        "--class", "org.roifeatures.spark.cli.RoiFeaturesCli", SparkSubmitLauncher.fatJar().toString()));
    cmd.addAll(args);
    cmd.addAll(List.of("--testing.hold.phase", phase));
    Path log = SparkSubmitLauncher.logFile("kill-resume-" + phase);
    Process p = SparkSubmitLauncher.start(cmd, log, Map.of());
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(300);
      while (!Files.readString(log).contains(HoldForKill.ANNOUNCEMENT)) {
        assertTrue(p.isAlive(), "ended before the " + phase + " pass:\n"
            + SparkSubmitLauncher.tail(log));
        assertTrue(System.nanoTime() < deadline, "no " + phase + " pass within 300 s:\n"
            + SparkSubmitLauncher.tail(log));
        Thread.sleep(200);
      }
      p.destroyForcibly(); // SIGKILL: no shutdown hook, no cleanup
      assertTrue(p.waitFor(60, TimeUnit.SECONDS));
      assertEquals(137, p.exitValue());
    } finally {
      SparkSubmitLauncher.killTree(p);
    }

    // Between the kill and the re-run: nothing complete, nothing committed that a reader would read.
    assertFalse(Files.exists(out.resolve(RunRecord.SUCCESS)), phase);
    assertEquals(0, visibleDataFiles(out), "no committed features file after a kill in " + phase);
    assertEquals(0, visibleDataFiles(Path.of(out + "_rejects")), "no committed rejects file");
    if (!phase.equals("index")) {
      assertTrue(hasHiddenPartFile(out), "the kill landed mid-run: staged features exist");
    }

    // The same command again (without the hold) completes it.
    List<String> again = new java.util.ArrayList<>();
    for (int i = 1; i + 1 < args.size(); i += 2) {
      again.add(args.get(i).substring(2));
      again.add(args.get(i + 1));
    }
    runJob(again.toArray(String[]::new));
    assertTrue(Files.exists(out.resolve(RunRecord.SUCCESS)));
    Map<String, byte[]> got = vectors(out.toString());
    assertEquals(want.keySet(), got.keySet());
    want.forEach((k, v) -> assertArrayEquals(v, got.get(k), k));
    assertEquals(wantRejects, rejects(out + "_rejects"));
    assertFalse(hasHiddenPartFile(out), "the dead run's staging was removed");
  }

  /** Data files a Parquet reader would pick up (not under a _ or . directory or name). */
  private static long visibleDataFiles(Path root) throws Exception {
    if (!Files.exists(root)) {
      return 0;
    }
    try (Stream<Path> s = Files.walk(root)) {
      return s.filter(Files::isRegularFile).filter(f -> {
        for (Path part : root.relativize(f)) {
          String n = part.toString();
          if (n.startsWith("_") || n.startsWith(".")) {
            return false;
          }
        }
        return true;
      }).count();
    }
  }

  private static boolean hasHiddenPartFile(Path root) throws Exception {
    if (!Files.exists(root)) {
      return false;
    }
    try (Stream<Path> s = Files.walk(root)) {
      return s.anyMatch(f -> f.getFileName().toString().startsWith("part-")
          && root.relativize(f).toString().startsWith("_staging-"));
    }
  }

  private static Map<String, byte[]> vectors(String path) {
    return OutputKeys.vectors(spark, path);
  }

  private static List<String> rejects(String path) {
    return OutputKeys.rejects(spark, path);
  }
}
