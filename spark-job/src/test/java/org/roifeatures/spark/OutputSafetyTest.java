package org.roifeatures.spark;

import org.roifeatures.spark.cli.InspectAccess;
import org.roifeatures.spark.cli.Inspect;
import org.roifeatures.spark.conf.JobOptions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.roifeatures.spark.output.RunRecord;
import org.roifeatures.spark.sample.SampleGenerator;

/**
 * The job never destroys an input or an earlier result because of its paths, and a run is complete
 * only when all of its outputs are: outputs that overlap an input or each other are refused before
 * anything is touched (inputs checked by checksum afterwards), overwrite replaces only what looks like
 * an output, and {@code _SUCCESS} in the features directory is written last, after the rejects.
 */
class OutputSafetyTest extends SparkTestBase {

  private static Path dir;
  private static Path data;
  private static long proposals;

  @BeforeAll
  static void setUp() throws Exception {
    dir = tempDir("output-safety");
    data = dir.resolve("data");
    // Images whose proposals include rejects (the generator writes some bad rows), 1 level.
    long generated = SampleGenerator.generate(spark, data,
        new SampleGenerator.Spec(4, 1, 4, 10, 20, 64, 96, 11), false);
    // Two proposals of an image without maps: rejects (NO_FEATURE_MAP) for the rejects phase.
    spark.read().parquet(data.resolve("proposals_parquet").toString())
        .union(spark.createDataFrame(List.of(
            org.apache.spark.sql.RowFactory.create("ghost", 1.0, 1.0, 9.0, 9.0, 0.5, 1),
            org.apache.spark.sql.RowFactory.create("ghost", 2.0, 2.0, 8.0, 8.0, 0.4, 2)),
            SampleGenerator.PROPOSAL_SCHEMA))
        .write().parquet(data.resolve("proposals").toString());
    proposals = generated + 2;
  }

  @AfterAll
  static void cleanup() throws Exception {
    deleteTree(dir);
  }

  private static JobSummary run(String output, String... extra) {
    String[] base = {JobOptions.MAPS_PATH, data.resolve("maps_parquet").toString(),
        JobOptions.PROPOSALS_PATH, data.resolve("proposals").toString(),
        JobOptions.OUTPUT_PATH, output};
    return runJob(Stream.concat(Stream.of(base), Stream.of(extra)).toArray(String[]::new));
  }

  /** Path → SHA-256 of every file below {@code root}. */
  static Map<String, String> checksums(Path root) throws Exception {
    Map<String, String> m = new TreeMap<>();
    try (Stream<Path> s = Files.walk(root)) {
      for (Path p : s.filter(Files::isRegularFile).toList()) {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        try (InputStream in = Files.newInputStream(p)) {
          md.update(in.readAllBytes());
        }
        m.put(root.relativize(p).toString(), HexFormat.of().formatHex(md.digest()));
      }
    }
    return m;
  }

  private static void assertRefused(String output, String mustName, String... extra)
      throws Exception {
    Map<String, String> before = checksums(data);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> run(output, extra));
    assertTrue(e.getMessage().contains(mustName), e.getMessage());
    assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
    assertEquals(before, checksums(data), "no input file changed");
  }

  @Test
  void overwriteOntoAnInputOrItsParentIsRefusedAndChangesNothing() throws Exception {
    String maps = data.resolve("maps_parquet").toString();
    String props = data.resolve("proposals").toString();
    assertRefused(maps, maps, JobOptions.SAVE_MODE, "overwrite");
    assertRefused(props, props, JobOptions.SAVE_MODE, "overwrite");
    assertRefused(data.toString(), "contains", JobOptions.SAVE_MODE, "overwrite");
    assertRefused(dir.toString(), "contains", JobOptions.SAVE_MODE, "overwrite");
    // Spelled differently: trailing slashes, "..", a relative path, a URI, a symbolic link.
    assertRefused(maps + "//", "maps.path", JobOptions.SAVE_MODE, "overwrite");
    assertRefused(data.resolve("x/../maps_parquet").toString(), "maps.path",
        JobOptions.SAVE_MODE, "overwrite");
    assertRefused(Path.of("").toAbsolutePath().relativize(data.resolve("proposals"))
        .toString(), "proposals.path", JobOptions.SAVE_MODE, "overwrite");
    assertRefused(data.toUri().toString(), "contains", JobOptions.SAVE_MODE, "overwrite");
    Path link = dir.resolve("link-to-data");
    Files.createSymbolicLink(link, data);
    assertRefused(link.toString(), "contains", JobOptions.SAVE_MODE, "overwrite");
    // An output inside an input would be read back by the next run.
    assertRefused(data.resolve("proposals/out").toString(), "lies inside",
        JobOptions.SAVE_MODE, "overwrite");
    // The rejects output is checked the same way.
    assertRefused(dir.resolve("fresh").toString(), "output.rejects.path",
        JobOptions.REJECTS_PATH, maps, JobOptions.SAVE_MODE, "overwrite");
  }

  @Test
  void rejectsOverlappingTheFeaturesAreRefused() throws Exception {
    String out = dir.resolve("same").toString();
    assertRefused(out, "output.rejects.path", JobOptions.REJECTS_PATH, out,
        JobOptions.SAVE_MODE, "overwrite");
    assertRefused(out, "output.rejects.path", JobOptions.REJECTS_PATH, out + "/rejects",
        JobOptions.SAVE_MODE, "overwrite");
    assertFalse(Files.exists(Path.of(out)), "nothing created");
  }

  @Test
  void trailingSlashesDoNotPutTheRejectsInsideTheFeatures() throws Exception {
    String out = dir.resolve("slashes").toString();
    run(out + "//");
    assertTrue(Files.exists(Path.of(out + "_rejects", RunRecord.SUCCESS)));
    try (Stream<Path> s = Files.list(Path.of(out))) {
      assertEquals(List.of(), s.filter(Files::isDirectory).toList(), "no directory in the features");
    }
  }

  @Test
  void overwriteRefusesADirectoryThatIsNoOutput() throws Exception {
    Path foreign = dir.resolve("notes");
    Files.createDirectories(foreign);
    Files.writeString(foreign.resolve("notes.txt"), "keep me");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> run(foreign.toString(), JobOptions.SAVE_MODE, "overwrite"));
    assertTrue(e.getMessage().contains("notes.txt"), e.getMessage());
    assertEquals("keep me", Files.readString(foreign.resolve("notes.txt")));
    // Hidden directories are no output either (a home directory's .ssh, HDFS's .Trash).
    Path home = dir.resolve("home");
    Files.createDirectories(home.resolve(".ssh"));
    Files.writeString(home.resolve(".ssh/id"), "secret");
    e = assertThrows(IllegalArgumentException.class,
        () -> run(home.toString(), JobOptions.SAVE_MODE, "overwrite"));
    assertTrue(e.getMessage().contains(".ssh"), e.getMessage());
    assertEquals("secret", Files.readString(home.resolve(".ssh/id")));
  }

  @Test
  void aCompleteRunIsMarkedLastWithItsSummary() throws Exception {
    String out = dir.resolve("complete").toString();
    JobSummary s = run(out);
    assertTrue(Files.exists(Path.of(out, RunRecord.SUCCESS)));
    assertTrue(Files.exists(Path.of(out + "_rejects", RunRecord.SUCCESS)));
    assertEquals(RunRecord.State.COMPLETE, RunRecord.state(conf(), out));
    JsonNode summary = new ObjectMapper().readTree(Path.of(out, RunRecord.SUMMARY).toFile());
    assertEquals("complete", summary.path("status").asText());
    // Counts against the input, not against the job's own figures.
    assertEquals(proposals, summary.path("counts").path("proposals_read").asLong());
    long rows = spark.read().parquet(out).count();
    long rejects = spark.read().parquet(out + "_rejects").count();
    assertEquals(proposals, rows + rejects, "every proposal written or rejected");
    assertEquals(rows, summary.path("counts").path("rois_written").asLong());
    assertEquals(2, rejects, "the two proposals of the image without maps");
    assertEquals(s.rejected(), rejects);
    assertEquals(out + "_rejects", summary.path("rejects_path").asText().replace("file:", ""));
    // The vector description is also a top-level footer key of every features file, as readers
    // outside Spark (pyarrow, DuckDB) show it, equal to the sidecar.
    JsonNode sidecar = new ObjectMapper().readTree(Path.of(out, OutputMetadata.SIDECAR).toFile());
    try (Stream<Path> parts = Files.list(Path.of(out))) {
      for (Path part : parts.filter(p -> p.toString().endsWith(".parquet")).toList()) {
        try (var reader = org.apache.parquet.hadoop.ParquetFileReader.open(
            org.apache.parquet.hadoop.util.HadoopInputFile.fromPath(
                new org.apache.hadoop.fs.Path(part.toUri()), conf()))) {
          String footer = reader.getFooter().getFileMetaData().getKeyValueMetaData()
              .get("roi_features");
          assertEquals(sidecar, new ObjectMapper().readTree(footer), part.toString());
        }
      }
    }
  }

  @Test
  void aRunThatFailsAfterTheFeaturesIsNotComplete() throws Exception {
    String out = dir.resolve("failed").toString();
    assertThrows(RoiFeaturesJob.RejectsFoundException.class,
        () -> run(out, JobOptions.FAIL_ON_REJECTS, "true"));
    assertTrue(Files.exists(Path.of(out, OutputMetadata.SIDECAR)), "features kept");
    assertFalse(Files.exists(Path.of(out, RunRecord.SUCCESS)), "not marked complete");
    assertEquals(RunRecord.State.FAILED, RunRecord.state(conf(), out));
    JsonNode summary = new ObjectMapper().readTree(Path.of(out, RunRecord.SUMMARY).toFile());
    assertEquals("failed", summary.path("status").asText());
    assertTrue(summary.path("error").asText().contains("fail.on.rejects"), summary.toString());
    // The next run in the default mode says what it found instead of treating it as complete.
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> run(out));
    assertTrue(e.getMessage().contains("failed run"), e.getMessage());
    // And inspect says so plainly.
    java.io.ByteArrayOutputStream buf = new java.io.ByteArrayOutputStream();
    InspectAccess.print(spark, out, new java.io.PrintStream(buf, true));
    assertTrue(buf.toString().contains("FAILED, not complete"), buf.toString());
  }

  @Test
  void overwriteRemovesTheEarlierRunsMarkersBeforeWriting() throws Exception {
    String out = dir.resolve("rerun").toString();
    run(out);
    // A run that fails after its features: the earlier run's markers must not survive beside them.
    assertThrows(RoiFeaturesJob.RejectsFoundException.class,
        () -> run(out, JobOptions.SAVE_MODE, "overwrite", JobOptions.FAIL_ON_REJECTS, "true"));
    assertFalse(Files.exists(Path.of(out, RunRecord.SUCCESS)));
    assertFalse(Files.exists(Path.of(out + "_rejects", RunRecord.SUCCESS)));
  }

  @Test
  void anEmptyDirectoryLeftByAFailedRunDoesNotBlockTheNextRun() throws Exception {
    String out = dir.resolve("empty").toString();
    Files.createDirectories(Path.of(out));
    run(out);
    assertEquals(RunRecord.State.COMPLETE, RunRecord.state(conf(), out));
  }

  @Test
  void anOutputUnderAFileFailsBeforeReading() throws Exception {
    Path file = dir.resolve("a-file");
    Files.writeString(file, "x");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> run(file.resolve("out").toString()));
    assertTrue(e.getMessage().contains("is a file"), e.getMessage());
  }

  private static org.apache.hadoop.conf.Configuration conf() {
    return spark.sparkContext().hadoopConfiguration();
  }
}
