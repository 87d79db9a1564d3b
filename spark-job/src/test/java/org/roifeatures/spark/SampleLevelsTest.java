package org.roifeatures.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code generate-sample --levels N} writes N levels (1..5) in every map format; others are refused. */
class SampleLevelsTest extends SparkTestBase {

  private static Path dir;

  @BeforeAll
  static void setUp() throws Exception {
    dir = tempDir("sample-levels");
  }

  @AfterAll
  static void cleanup() throws Exception {
    deleteTree(dir);
  }

  private static CliRun generate(Path out, String levels) throws Exception {
    return CliRun.of(() -> restartSpark("local[2]"), "generate-sample", "--out", out.toString(),
        "--levels", levels, "--images", "1", "--channels", "1", "--min-rois", "1", "--max-rois", "1",
        "--image-size", "32x32");
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 3, 4, 5})
  void writesTheLevelsAskedFor(int n) throws Exception {
    Path out = dir.resolve("l" + n);
    CliRun r = generate(out, "" + n);
    assertEquals(0, r.code(), r.err());
    List<Row> levels = spark.read().parquet(out.resolve("maps_parquet").toString())
        .select("level").distinct().collectAsList();
    assertEquals(n, levels.size(), "Parquet levels " + levels);
    Properties scales = new Properties();
    try (var in = Files.newInputStream(out.resolve("maps_npy/_scales.properties"))) {
      scales.load(in);
    }
    assertEquals(n, scales.size(), "npy scales " + scales);
    try (Stream<Path> s = Files.list(out.resolve("maps_npy/img_0000"))) {
      assertEquals(n, s.count(), "npy files");
    }
    TreeSet<String> names = new TreeSet<>();
    levels.forEach(row -> names.add(row.getString(0)));
    assertEquals(names, new TreeSet<>(scales.stringPropertyNames()));
  }

  @Test
  void levelCountsOutsideOneToFiveAreOneLineErrors() throws Exception {
    generate(dir.resolve("l0"), "0").assertUserError("levels (1..5)");
    generate(dir.resolve("l6"), "6").assertUserError("levels (1..5)");
    generate(dir.resolve("lx"), "three").assertUserError("--levels");
  }
}
