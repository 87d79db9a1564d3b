package org.roifeatures.spark;

import org.roifeatures.spark.conf.JobOptions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.apache.spark.ExceptionFailure;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.roifeatures.ops.FeatureMap;
import org.roifeatures.ops.RoiAlign;
import org.roifeatures.ops.RoiAlignParams;
import org.roifeatures.spark.sample.SampleGenerator;
import org.roifeatures.spark.task.FaultInjector;

/**
 * Task retries and output safety: tasks that fail mid-partition on their first attempt are retried
 * (up to 3 attempts here) and the output holds exactly the expected rows, none missing and none
 * duplicated, bit-identical to a run without faults; a job whose tasks keep failing leaves no output
 * that looks complete; overwrite replaces a previous output.
 */
class RetryAndOutputSafetyTest extends SparkTestBase {

  private static Path dir;
  private static long proposals;
  /** The default op (roi_align 7x7, torchvision) on the generated inputs, from the input files. */
  private static ExpectedOutput expected;

  @BeforeAll
  static void setUp() throws Exception {
    restartSpark("local[2,3]");
    dir = tempDir("retry");
    proposals = SampleGenerator.generate(spark, dir.resolve("data"),
        new SampleGenerator.Spec(6, 1, 8, 20, 40, 128, 160, 3), false);
    Map<String, Map<String, FeatureMap>> maps = InputRecords.parquetMaps(spark,
        dir.resolve("data/maps_parquet"));
    Map<InputRecords.Key, InputRecords.Proposal> in = InputRecords.parquet(spark,
        dir.resolve("data/proposals_parquet"));
    assertEquals(proposals, in.size());
    RoiAlignParams params = RoiAlignParams.of(7, 7, 1.0 / 8, -1, false);
    expected = ExpectedOutput.of(in, p -> ExpectedOutput.Pooled.of(
        RoiAlign.forward(maps.get(p.imageId()).get("p3"), p.box(), params), "p3"));
  }

  @AfterAll
  static void cleanup() throws Exception {
    deleteTree(dir);
  }

  private static JobSummary run(String output, String... extra) {
    String[] base = {JobOptions.MAPS_PATH, dir.resolve("data/maps_parquet").toString(),
        JobOptions.PROPOSALS_PATH, dir.resolve("data/proposals_parquet").toString(),
        JobOptions.PARTITIONS, "4", JobOptions.OUTPUT_PATH, output};
    String[] all = Stream.concat(Stream.of(base), Stream.of(extra)).toArray(String[]::new);
    return runJob(all);
  }

  /** Counts task failures caused by the injector. */
  private static final class InjectedFailures extends SparkListener {
    final AtomicInteger count = new AtomicInteger();

    @Override
    public void onTaskEnd(SparkListenerTaskEnd end) {
      if (end.reason() instanceof ExceptionFailure f && f.description().contains(FaultInjector.MESSAGE)) {
        count.incrementAndGet();
      }
    }
  }

  @Test
  void retriedTasksWriteEveryRowExactlyOnce() throws Exception {
    String clean = dir.resolve("clean").toString();
    run(clean);
    InjectedFailures listener = new InjectedFailures();
    spark.sparkContext().addSparkListener(listener);
    String faulty = dir.resolve("faulty").toString();
    JobSummary s;
    try {
      s = run(faulty, JobOptions.TESTING_FAIL_PARTITIONS, "0,1,2,3",
          JobOptions.TESTING_FAIL_AFTER_ROWS, "3");
    } finally {
      spark.sparkContext().listenerBus().waitUntilEmpty();
      spark.sparkContext().removeSparkListener(listener);
    }
    assertTrue(listener.count.get() >= 2, "faults were injected: " + listener.count.get());
    assertEquals(proposals, s.roisWritten(), "accumulators count successful attempts only");

    // Exactly the input's rows, each with core-ops' vector of its input box (the fault-free run
    // is held to the same expectation, so a fault cannot hide behind an equally wrong clean run).
    expected.assertMatches(spark.read().parquet(clean).collectAsList(), "clean run");
    expected.assertMatches(spark.read().parquet(faulty).collectAsList(), "run with retried tasks");
    assertTrue(Files.exists(Path.of(faulty, "_SUCCESS")));
  }

  @Test
  void aJobThatFailsLeavesNothingThatLooksComplete() throws Exception {
    String out = dir.resolve("doomed").toString();
    Exception e = assertThrows(Exception.class, () -> run(out,
        JobOptions.TESTING_FAIL_PARTITIONS, "1", JobOptions.TESTING_FAIL_ATTEMPTS, "99"));
    assertTrue(rootMessage(e).contains(FaultInjector.MESSAGE), rootMessage(e));
    assertFalse(Files.exists(Path.of(out, "_SUCCESS")), "no _SUCCESS marker after a failed job");
    if (Files.exists(Path.of(out))) {
      try (Stream<Path> files = Files.list(Path.of(out))) {
        assertEquals(List.of(), files.map(p -> p.getFileName().toString())
            .filter(n -> n.startsWith("part-")).toList(), "no committed part files");
      }
    }
  }

  @Test
  void overwriteReplacesAPreviousOutput() throws Exception {
    String out = dir.resolve("replaced").toString();
    run(out, JobOptions.POOLED_HEIGHT, "2", JobOptions.POOLED_WIDTH, "2");
    JobSummary again = run(out, JobOptions.SAVE_MODE, "overwrite");
    assertEquals(proposals, again.roisWritten());
    // Only the new rows: the input's keys once each, with the new (7x7) vectors.
    expected.assertMatches(spark.read().parquet(out).collectAsList(), "overwritten output");
  }

  @Test
  void faultInjectionWarnsAndKillExecutorIsRefusedInLocalMode() throws Exception {
    String out = dir.resolve("killed").toString();
    List<String> warnings = org.roifeatures.spark.task.FaultInjectorTestAccess.warnings(() -> {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> run(out,
          JobOptions.TESTING_FAIL_PARTITIONS, "0", JobOptions.TESTING_FAIL_MODE, "kill-executor"));
      assertTrue(e.getMessage().contains("refused in local mode"), e.getMessage());
    });
    assertEquals(1, warnings.size(), warnings.toString());
    assertTrue(warnings.get(0).contains("TEST-ONLY FAULT INJECTION"), warnings.get(0));
    assertFalse(Files.exists(Path.of(out, "_SUCCESS")));
    // The driver (this JVM) is still here, and still runs jobs.
    assertEquals(proposals, run(dir.resolve("after-refusal").toString()).roisWritten());
  }

  private static String rootMessage(Throwable t) {
    StringBuilder s = new StringBuilder();
    for (Throwable c = t; c != null; c = c.getCause()) {
      s.append(c.getMessage()).append(" | ");
    }
    return s.toString();
  }
}
