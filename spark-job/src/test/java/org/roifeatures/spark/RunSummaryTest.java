package org.roifeatures.spark;

import org.roifeatures.spark.conf.JobOptions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.apache.spark.sql.RowFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.roifeatures.spark.output.RunRecord;
import org.roifeatures.spark.sample.SampleGenerator;

/**
 * The machine-readable run report: {@code _run_summary.json} beside the output and the copy at
 * {@code summary.json} have the documented schema, the same content, figures equal to the printed
 * summary and to the input, and an exit code; failed and refused runs report too.
 */
class RunSummaryTest extends SparkTestBase {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static Path dir;
  private static Path proposals;
  private static long inputProposals;

  @BeforeAll
  static void setUp() throws Exception {
    dir = tempDir("run-summary");
    Path data = dir.resolve("data");
    long generated = SampleGenerator.generate(spark, data,
        new SampleGenerator.Spec(3, 1, 4, 5, 10, 64, 96, 4), false);
    proposals = data.resolve("proposals");
    spark.read().parquet(data.resolve("proposals_parquet").toString())
        .union(spark.createDataFrame(List.of(RowFactory.create("ghost", 1.0, 1.0, 9.0, 9.0, 0.5, 1)),
            SampleGenerator.PROPOSAL_SCHEMA))
        .write().parquet(proposals.toString());
    inputProposals = generated + 1;
  }

  @AfterAll
  static void cleanup() throws Exception {
    deleteTree(dir);
  }

  private static JobSummary run(String out, String report, String... extra) {
    String[] base = {JobOptions.MAPS_PATH, dir.resolve("data/maps_parquet").toString(),
        JobOptions.PROPOSALS_PATH, proposals.toString(), JobOptions.OUTPUT_PATH, out,
        JobOptions.SUMMARY_JSON, report};
    return runJob(Stream.concat(Stream.of(base), Stream.of(extra)).toArray(String[]::new));
  }

  @Test
  void aCompleteRunsReportHasTheSchemaAndThePrintedFigures() throws Exception {
    String out = dir.resolve("complete").toString();
    Path report = dir.resolve("report-complete.json");
    JobSummary s = run(out, report.toString());
    JsonNode r = JSON.readTree(report.toFile());
    assertEquals(r, JSON.readTree(Path.of(out, RunRecord.SUMMARY).toFile()),
        "summary.json and _run_summary.json say the same");

    assertEquals(Set.of("format_version", "status", "started_at", "finished_at", "output_path",
        "rejects_path", "versions", "options", "counts", "seconds", "phase_seconds", "exit_code"),
        fields(r));
    assertEquals(1, r.path("format_version").asInt());
    assertEquals("complete", r.path("status").asText());
    assertEquals(0, r.path("exit_code").asInt());
    assertTrue(!Instant.parse(r.path("finished_at").asText())
        .isBefore(Instant.parse(r.path("started_at").asText())));
    assertEquals(Set.of("roi_features", "spark", "java", "kernels"), fields(r.path("versions")));
    assertEquals(org.apache.spark.package$.MODULE$.SPARK_VERSION(),
        r.path("versions").path("spark").asText());
    // Every user option, no internal one.
    Set<String> options = fields(r.path("options"));
    for (JobOptions.Option o : JobOptions.byKey().values()) {
      assertEquals(!o.internal(), options.contains(o.key()), o.key());
    }

    JsonNode c = r.path("counts");
    assertEquals(Set.of("proposals_read", "proposals_selected_out", "images_pooled", "rois_written",
        "rois_rejected", "rejected_by_reason"), fields(c));
    assertEquals(0, c.path("proposals_selected_out").asLong(), "no selection options set");
    // Against the input ...
    assertEquals(inputProposals, c.path("proposals_read").asLong());
    assertEquals(3, c.path("images_pooled").asLong());
    assertEquals(1, c.path("rejected_by_reason").path("NO_FEATURE_MAP").asLong());
    assertEquals(inputProposals - 1, c.path("rois_written").asLong());
    // ... and against the printed summary.
    String table = s.table();
    assertTrue(table.contains(String.format("%,d", c.path("rois_written").asLong())), table);
    assertEquals(s.roisWritten(), c.path("rois_written").asLong());
    assertEquals(s.proposals(), c.path("proposals_read").asLong());
    assertEquals(s.imagesPooled(), c.path("images_pooled").asLong());
    assertEquals(s.rejected(), c.path("rois_rejected").asLong());
    assertEquals(s.seconds(), r.path("seconds").asDouble(), 1e-9);
    assertEquals(fields(r.path("phase_seconds")), s.timing().phaseSeconds().keySet());
  }

  @Test
  void failedAndRefusedRunsReportTheirExitCode() throws Exception {
    String out = dir.resolve("failed").toString();
    Path report = dir.resolve("report-failed.json");
    assertThrows(RoiFeaturesJob.RejectsFoundException.class,
        () -> run(out, report.toString(), JobOptions.FAIL_ON_REJECTS, "true"));
    JsonNode r = JSON.readTree(report.toFile());
    assertEquals("failed", r.path("status").asText());
    assertEquals(3, r.path("exit_code").asInt());
    assertEquals(1, r.path("counts").path("rois_rejected").asLong());

    Path refusedReport = dir.resolve("report-refused.json");
    assertThrows(IllegalArgumentException.class,
        () -> run(dir.resolve("data").toString(), refusedReport.toString(),
            JobOptions.SAVE_MODE, "overwrite"));
    JsonNode refused = JSON.readTree(refusedReport.toFile());
    assertEquals("failed", refused.path("status").asText());
    assertEquals(2, refused.path("exit_code").asInt());
    assertTrue(refused.path("error").asText().contains("contains"), refused.toString());
    assertFalse(Files.exists(dir.resolve("data").resolve(RunRecord.SUMMARY)));

    // The report may not land inside an input or an output.
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> run(dir.resolve("elsewhere").toString(),
            proposals.resolve("summary.json").toString()));
    assertTrue(e.getMessage().startsWith("summary.json") && e.getMessage().contains("lies inside"),
        e.getMessage());
    assertFalse(Files.exists(proposals.resolve("summary.json")));
  }

  private static Set<String> fields(JsonNode n) {
    Set<String> s = new TreeSet<>();
    n.fieldNames().forEachRemaining(s::add);
    return s;
  }
}
