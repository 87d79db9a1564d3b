package org.roifeatures.spark.cli;

import org.roifeatures.spark.InputRecords;
import org.roifeatures.spark.SparkTestBase;
import org.roifeatures.spark.conf.JobOptions;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.roifeatures.ops.FeatureMap;
import org.roifeatures.ops.RoiAlign;
import org.roifeatures.ops.RoiAlignParams;
import org.roifeatures.spark.io.NpyArrays;
import org.roifeatures.spark.sample.SampleGenerator;

/**
 * {@code inspect --export-npy}: what a notebook reads without a Parquet library. Every row of a
 * features output comes out as features.npy + rows.json in the same order with the Parquet's vectors,
 * the vector metadata as metadata.json, and a rejects output as rejects.json with its reasons.
 */
class InspectExportTest extends SparkTestBase {

  private static Path dir;
  private static String output;
  private static Path csv;
  private static final ObjectMapper JSON = new ObjectMapper();

  @BeforeAll
  static void runOnSample() throws Exception {
    dir = tempDir("inspect");
    SampleGenerator.generate(spark, dir, new SampleGenerator.Spec(2, 2, 3, 3, 6, 64, 96, 5));
    // Good proposals for both images, one image without maps, one non-finite box.
    Path csv = dir.resolve("proposals.csv");
    Files.writeString(csv, String.join("\n",
        "image_id,x1,y1,x2,y2,score,label",
        "img_0000,0,0,40,30,0.9,3",
        "img_0000,8,4,60,50,0.8,",
        "img_0001,10,10,90,60,0.7,5",
        "img_9999,0,0,10,10,0.5,1",
        "img_0001,0,NaN,10,10,0.4,2", ""));
    InspectExportTest.csv = csv;
    output = dir.resolve("features").toString();
    runJob(JobOptions.MAPS_PATH, dir.resolve("maps_parquet").toString(),
        JobOptions.PROPOSALS_PATH, csv.toString(), JobOptions.OP, "roi_align",
        JobOptions.LEVEL, "p3", JobOptions.POOLED_HEIGHT, "2", JobOptions.POOLED_WIDTH, "2",
        JobOptions.OUTPUT_PATH, output);
  }

  @AfterAll
  static void cleanup() throws Exception {
    deleteTree(dir);
  }

  private static String inspect(String path, Path export, int exportRows) throws Exception {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    Inspect.print(spark, path, 2, export.toString(), exportRows,
        new PrintStream(buf, true, StandardCharsets.UTF_8));
    return buf.toString(StandardCharsets.UTF_8);
  }

  @Test
  void featuresExportHoldsEveryRowInParquetOrder() throws Exception {
    Path export = dir.resolve("export");
    String printed = inspect(output, export, Inspect.DEFAULT_EXPORT_ROWS);
    assertTrue(printed.contains("exported 3 rows"), printed);

    assertFeaturesExport(export);

    JsonNode metadata = JSON.readTree(export.resolve("metadata.json").toFile());
    assertEquals("roi_align", metadata.get("roi_features.op").asText());
    assertEquals("12", metadata.get("roi_features.vector_length").asText());
  }

  /** features.npy and rows.json of {@code export} against the inputs. */
  private static void assertFeaturesExport(Path export) throws Exception {
    // The expected rows from the inputs: the CSV's proposals minus those the job must reject (a
    // non-finite coordinate, an image without maps), in (image_id, roi_id) order, each pooled by
    // core-ops from its INPUT box.
    Map<InputRecords.Key, InputRecords.Proposal> in = InputRecords.csv(csv);
    Map<String, Map<String, FeatureMap>> maps = InputRecords.npyMaps(dir.resolve("maps_npy"));
    List<InputRecords.Proposal> expected = new ArrayList<>();
    for (InputRecords.Proposal p : new TreeMap<>(in).values()) {
      if (!rejected(p, maps)) {
        expected.add(p);
      }
    }
    RoiAlignParams params = RoiAlignParams.of(2, 2, 1.0 / 8, -1, false);
    NpyArrays.FloatArray features;
    try (InputStream in2 = Files.newInputStream(export.resolve("features.npy"))) {
      features = NpyArrays.read(in2);
    }
    assertArrayEquals(new long[] {expected.size(), 3 * 2 * 2}, features.shape());
    JsonNode rows = JSON.readTree(export.resolve("rows.json").toFile());
    for (String column : List.of("image_id", "roi_id", "x1", "y1", "x2", "y2", "score", "label",
        "level")) {
      assertEquals(expected.size(), rows.get(column).size(), "rows.json " + column);
    }
    for (int i = 0; i < expected.size(); i++) {
      InputRecords.Proposal p = expected.get(i);
      float[] want = RoiAlign.forward(maps.get(p.imageId()).get("p3"), p.box(), params);
      float[] got = java.util.Arrays.copyOfRange(features.data(), i * want.length,
          (i + 1) * want.length);
      assertArrayEquals(want, got, "features.npy row " + i + " = " + p.key());
      assertEquals(p.imageId(), rows.get("image_id").get(i).asText(), "image_id " + i);
      assertEquals(p.roiId(), rows.get("roi_id").get(i).asLong(), "roi_id " + i);
      assertEquals(p.x1(), rows.get("x1").get(i).asDouble(), "x1 " + i);
      assertEquals(p.y1(), rows.get("y1").get(i).asDouble(), "y1 " + i);
      assertEquals(p.x2(), rows.get("x2").get(i).asDouble(), "x2 " + i);
      assertEquals(p.y2(), rows.get("y2").get(i).asDouble(), "y2 " + i);
      assertEquals(p.score(), rows.get("score").get(i).isNull() ? null
          : rows.get("score").get(i).asDouble(), "score " + i);
      // A missing label stays null rather than becoming a number.
      assertEquals(p.label(), rows.get("label").get(i).isNull() ? null
          : rows.get("label").get(i).asInt(), "label " + i);
      assertEquals("p3", rows.get("level").get(i).asText());
    }
    assertTrue(expected.stream().anyMatch(p -> p.label() == null), "the input has a missing label");
  }

  /** The job's reject rules for this input: a non-finite coordinate, or an image without maps. */
  private static boolean rejected(InputRecords.Proposal p, Map<String, Map<String, FeatureMap>> maps) {
    for (Double v : new Double[] {p.x1(), p.y1(), p.x2(), p.y2()}) {
      if (v == null || !Double.isFinite(v)) {
        return true;
      }
    }
    return !maps.containsKey(p.imageId());
  }

  @Test
  void exportRowsCapsTheExportAndSaysSo() throws Exception {
    Path export = dir.resolve("export-capped");
    String printed = inspect(output, export, 2);
    assertTrue(printed.contains("only the first 2 of 3 rows"), printed);
    try (InputStream in = Files.newInputStream(export.resolve("features.npy"))) {
      assertEquals(2, NpyArrays.read(in).shape()[0]);
    }
  }

  @Test
  void rejectsExportHoldsReasonsAndDetails() throws Exception {
    Path export = dir.resolve("export-rejects");
    String printed = inspect(output + "_rejects", export, Inspect.DEFAULT_EXPORT_ROWS);
    assertTrue(printed.contains("exported 2 rejects"), printed);
    JsonNode rejects = JSON.readTree(export.resolve("rejects.json").toFile());
    // Ordered by image_id: img_0001's NaN box, then img_9999 without maps.
    assertEquals("NON_FINITE_BOX", rejects.get("reason").get(0).asText());
    assertTrue(rejects.get("detail").get(0).asText().contains("y1"), rejects.toString());
    assertTrue(rejects.get("y1").get(0).isNull(), "NaN is written as null: " + rejects);
    assertEquals("NO_FEATURE_MAP", rejects.get("reason").get(1).asText());
    assertEquals("img_9999", rejects.get("image_id").get(1).asText());
    assertNull(rejects.get("features"));
  }

  @Test
  void severalPathsExportToOneDirectoryEach() throws Exception {
    Path export = dir.resolve("export-all");
    Inspect.printAll(spark, List.of(output, output + "_rejects"), 1, export.toString(),
        Inspect.DEFAULT_EXPORT_ROWS, new PrintStream(new ByteArrayOutputStream(), true,
            StandardCharsets.UTF_8));
    assertFeaturesExport(export.resolve("features"));
    assertEquals("roi_align", JSON.readTree(export.resolve("features").resolve("metadata.json")
        .toFile()).get("roi_features.op").asText());
    JsonNode rejects = JSON.readTree(export.resolve("features_rejects").resolve("rejects.json")
        .toFile());
    // The rejects derived from the input: img_0001's NaN line (roi 1) and img_9999 without maps.
    Map<String, Map<String, FeatureMap>> maps = InputRecords.npyMaps(dir.resolve("maps_npy"));
    java.util.Set<String> want = new java.util.TreeSet<>();
    for (InputRecords.Proposal p : InputRecords.csv(csv).values()) {
      if (rejected(p, maps)) {
        want.add(p.imageId() + "/" + p.roiId());
      }
    }
    java.util.Set<String> got = new java.util.TreeSet<>();
    for (int i = 0; i < rejects.get("image_id").size(); i++) {
      got.add(rejects.get("image_id").get(i).asText() + "/" + rejects.get("roi_id").get(i).asLong());
    }
    assertEquals(want, got, "rejects.json keys");
  }
}
