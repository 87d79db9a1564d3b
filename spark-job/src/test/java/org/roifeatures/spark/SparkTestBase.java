package org.roifeatures.spark;

import org.roifeatures.spark.conf.JobConfig;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * One local[2] Spark session per test class, with Kryo registration required so that a class missing
 * from {@link RoiFeaturesKryoRegistrator} fails the test.
 */
public abstract class SparkTestBase {

  protected static SparkSession spark;

  @BeforeAll
  static void startSpark() {
    spark = session("local[2]");
  }

  /** Replaces the class's session by one on {@code master}, e.g. {@code local[2,3]} (3 attempts). */
  protected static void restartSpark(String master) {
    stopSpark();
    spark = session(master);
  }

  /**
   * Replaces the class's session by one with {@code conf} over the usual settings; e.g. Spark ML's
   * own estimators serialize Spark classes that no registrator lists, so their tests relax
   * {@code spark.kryo.registrationRequired}.
   */
  protected static void restartSpark(Map<String, String> conf) {
    stopSpark();
    spark = session("local[2]", conf);
  }

  private static SparkSession session(String master) {
    return session(master, Map.of());
  }

  private static SparkSession session(String master, Map<String, String> conf) {
    SparkSession.Builder b = SparkSession.builder()
        .master(master)
        .appName("roi-features-test")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.default.parallelism", "2")
        .config("spark.serializer", "org.apache.spark.serializer.KryoSerializer")
        .config("spark.kryo.registrator", RoiFeaturesKryoRegistrator.class.getName())
        .config("spark.kryo.registrationRequired", "true")
        .config("spark.sql.session.timeZone", "UTC");
    conf.forEach(b::config);
    SparkSession s = b.getOrCreate();
    s.sparkContext().setLogLevel("WARN");
    return s;
  }

  @AfterAll
  static void stopSpark() {
    if (spark != null) {
      spark.stop();
      spark = null;
    }
  }

  protected static Dataset<Row> sql(String query) {
    return spark.sql(query);
  }

  /** Runs the job with defaults overridden by {@code kv} pairs (key, value, key, value, ...). */
  protected static JobSummary runJob(String... kv) {
    Map<String, String> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put(kv[i], kv[i + 1]);
    }
    return RoiFeaturesJob.run(spark, JobConfig.of(m));
  }

  protected static Path tempDir(String prefix) throws IOException {
    Path base = Path.of("target", "test-data");
    Files.createDirectories(base);
    return Files.createTempDirectory(base.toAbsolutePath(), prefix);
  }

  protected static void deleteTree(Path p) throws IOException {
    if (!Files.exists(p)) {
      return;
    }
    try (Stream<Path> s = Files.walk(p)) {
      List<Path> all = s.sorted(Comparator.reverseOrder()).toList();
      for (Path x : all) {
        Files.delete(x);
      }
    }
  }
}
