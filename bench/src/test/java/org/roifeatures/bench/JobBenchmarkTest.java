package org.roifeatures.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.roifeatures.spark.conf.JobOptions;
import org.roifeatures.spark.JobSummary;

/** The job benchmark on a tiny data set: what it runs, counts and prints, not how fast. */
class JobBenchmarkTest {

  private static SparkSession spark;

  @BeforeAll
  static void start() {
    SparkSession.Builder b = SparkSession.builder().master("local[2]").appName("bench-test")
        .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "2");
    org.roifeatures.spark.RoiFeaturesKryoRegistrator.sparkSettings().forEach(b::config);
    spark = b.getOrCreate();
  }

  @AfterAll
  static void stop() {
    spark.stop();
  }

  @Test
  void timesEveryFormatAndEveryPlainWriterWithTheGivenJobOptions() throws Exception {
    Path dir = newDir();
    try {
      Ran ran = bench(
          Map.of("out", dir.toString(), "images", "2", "rois", "15", "channels", "8",
              "formats", "binary/float32,binary/float16", "level-counts", "1", "repeat", "2"),
          Map.of(JobOptions.BATCH_ROIS, "4", JobOptions.SAMPLING_RATIO, "1"));
      List<JobBenchmark.Result> results = ran.results();
      String text = ran.text();

      assertEquals(2 + JobBenchmark.PlainWriter.values().length, results.size(), text);
      for (JobBenchmark.Result r : results) {
        assertEquals(30, r.rows(), r.name());
        assertTrue(r.seconds() > 0 && r.bytes() > 0, r.name());
      }
      JobSummary job = results.get(0).summary();
      assertTrue(job.settings().contains(" sr=1 "), job.settings());
      assertTrue(text.contains("fastest of 2 timings per run"), text);
      assertTrue(text.contains("job options: "), text);
      assertTrue(text.contains("error vs float32"), text);
      for (JobBenchmark.PlainWriter w : JobBenchmark.PlainWriter.values()) {
        assertTrue(text.contains(w.label), text);
      }
    } finally {
      delete(dir);
    }
  }

  @Test
  void timesFloat16MapsOnTheSameImagesAndProposals() throws Exception {
    Path dir = newDir();
    try {
      Ran ran = bench(
          Map.of("out", dir.toString(), "images", "2", "rois", "15", "channels", "8",
              "formats", "binary/float32", "level-counts", "1", "map-dtype", "float16"),
          Map.of());
      List<JobBenchmark.Result> results = ran.results();
      String text = ran.text();
      assertTrue(text.contains("float16 maps") && text.contains("per image"), text);
      JobSummary job = results.get(0).summary();
      assertEquals(30, job.roisWritten(), text);
      assertEquals(0, job.rejected(), text);
      Path copy = dir.resolve("data_1level").resolve("maps_parquet_float16");
      assertEquals(List.of("float16"), spark.read().parquet(copy.toString()).select("dtype")
          .distinct().as(org.apache.spark.sql.Encoders.STRING()).collectAsList());
      assertEquals(spark.read().parquet(dir.resolve("data_1level").resolve("maps_parquet")
          .toString()).count(), spark.read().parquet(copy.toString()).count());
    } finally {
      delete(dir);
    }
  }

  @Test
  void refusesARepeatBelowOne() {
    assertThrows(IllegalArgumentException.class, () -> JobBenchmark.run(spark,
        Map.of("repeat", "0"), Map.of(), System.out));
  }

  /** What one benchmark run returned and printed. */
  private record Ran(List<JobBenchmark.Result> results, String text) {}

  private static Ran bench(Map<String, String> sample, Map<String, String> options)
      throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    List<JobBenchmark.Result> results = JobBenchmark.run(spark, sample, options, out);
    return new Ran(results, bytes.toString(StandardCharsets.UTF_8));
  }

  private static Path newDir() throws java.io.IOException {
    java.nio.file.Files.createDirectories(Path.of("target"));
    return java.nio.file.Files.createTempDirectory(Path.of("target").toAbsolutePath(), "bench");
  }

  private static void delete(Path dir) throws java.io.IOException {
    try (var files = java.nio.file.Files.walk(dir)) {
      files.sorted(java.util.Comparator.reverseOrder()).map(Path::toFile)
          .forEach(java.io.File::delete);
    }
  }
}
