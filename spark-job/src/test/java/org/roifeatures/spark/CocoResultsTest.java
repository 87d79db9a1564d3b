package org.roifeatures.spark;

import org.roifeatures.spark.conf.JobOptions;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.roifeatures.ops.FeatureMap;
import org.roifeatures.ops.PoolingMode;
import org.roifeatures.ops.RoiAlign;
import org.roifeatures.ops.RoiAlignParams;
import org.roifeatures.spark.io.Proposals;

/**
 * COCO detection results as proposals: a directory of JSON arrays (auto-detected), integer image
 * ids zero-padded to the maps' 12-digit names, bbox [x, y, w, h] converted in float32, category_id
 * as label. Every good record is written once with core-ops' vector for its box; every bad record
 * is a BAD_RECORD reject naming the field; a syntax error ends its file's records with one reject
 * naming line and column, and the records before it are still written.
 */
class CocoResultsTest extends SparkTestBase {

  private static final int C = 2;
  private static final int H = 10;
  private static final int W = 12;
  private static final double SCALE = 0.125;
  private static final RoiAlignParams PARAMS = new RoiAlignParams(2, 2, SCALE, 2, true,
      PoolingMode.AVG);

  private static Path dir;
  private static String maps;
  private static final Map<String, float[]> MAPS = new HashMap<>();

  @BeforeAll
  static void setUp() throws Exception {
    dir = tempDir("coco");
    maps = dir.resolve("maps").toString();
    MAPS.putAll(RandomParquetMaps.write(spark, maps, List.of("000000000139", "000000000285"),
        "p3", C, H, W, SCALE, -1f, 2f));
  }

  @AfterAll
  static void cleanup() throws Exception {
    deleteTree(dir);
  }

  /** A good record: its image, box, label and score. */
  private record Good(int image, float[] xywh, int label, double score) {}

  @Test
  void cocoResultsArePooledAndBadRecordsRejectedNamingTheField() throws Exception {
    Path input = dir.resolve("detections");
    Files.createDirectories(input);
    List<Good> good = List.of(
        new Good(139, new float[] {10.3f, 5.7f, 20.1f, 15.9f}, 1, 0.98),
        new Good(285, new float[] {0, 0, 96, 80}, 18, 0.5),
        new Good(139, new float[] {33.33f, 44.44f, 12.5f, 7.25f}, 3, 0.125),
        new Good(285, new float[] {-5, 7, 200, 1.5f}, 1, 0.01));
    // a.json: pretty-printed (several lines per record), bad records between good ones.
    String a = "\n  [\n"
        + rec(good.get(0)) + ",\n"
        + "{\"image_id\": 139, \"category_id\": 1, \"bbox\": [1, 2, 3], \"score\": 0.9},\n"
        + rec(good.get(1)) + ",\n"
        + "{\"image_id\": 285, \"category_id\": \"person\", \"bbox\": [1, 2, 3, 4], \"score\": 0.9},\n"
        + "42,\n"
        + "{\"image_id\": 139, \"category_id\": 2, \"score\": 0.3},\n"
        + "{\"image_id\": 285, \"category_id\": 2, \"bbox\": [1, 2, 3, 4], \"score\": \"high\","
        + " \"segmentation\": {\"counts\": [1, 2]}},\n"
        + rec(good.get(2)) + "\n]\n";
    Files.writeString(input.resolve("a.json"), a.replace("}, {", "},\n  {"));
    // b.json: one good record, then a syntax error.
    Files.writeString(input.resolve("b.json"), "[" + rec(good.get(3)) + ",\n{\"image_id\": 139,, }]");

    assertEquals("coco", Proposals.detectFormat(spark, input.toString(), "auto"));
    String out = dir.resolve("out").toString();
    JobSummary s = runJob(JobOptions.MAPS_PATH, maps, JobOptions.PROPOSALS_PATH, input.toString(),
        JobOptions.IMAGE_ID_DIGITS, "12", JobOptions.POOLED_HEIGHT, "2", JobOptions.POOLED_WIDTH,
        "2", JobOptions.SAMPLING_RATIO, "2", JobOptions.ALIGNED, "true", JobOptions.OUTPUT_PATH, out);

    // roi_id: position among the image's records in input order, rejected records counted.
    Map<String, Good> want = new LinkedHashMap<>();
    want.put("000000000139/0", good.get(0));
    want.put("000000000285/0", good.get(1));
    want.put("000000000139/3", good.get(2));
    want.put("000000000285/3", good.get(3));
    assertEquals(want.size(), s.roisWritten());
    assertEquals(Map.of("BAD_RECORD", 6L), s.rejectsByReason());
    Map<String, Row> got = new HashMap<>();
    for (Row r : spark.read().parquet(out).collectAsList()) {
      assertTrue(got.put(OutputKeys.key(r), r) == null, "duplicate " + OutputKeys.key(r));
    }
    assertEquals(want.keySet(), got.keySet());
    for (Map.Entry<String, Good> e : want.entrySet()) {
      Good g = e.getValue();
      float[] b = g.xywh();
      float[] xyxy = {b[0], b[1], b[0] + b[2], b[1] + b[3]};
      Row r = got.get(e.getKey());
      assertArrayEquals(xyxy, OutputKeys.box(r), e.getKey());
      String image = e.getKey().substring(0, 12);
      assertArrayEquals(RoiAlign.forward(FeatureMap.chw(MAPS.get(image), C, H, W), xyxy, PARAMS),
          OutputKeys.floats(r.getAs("features")), e.getKey());
      assertEquals(g.label(), r.<Integer>getAs("label"));
      assertEquals(g.score(), r.<Double>getAs("score"));
    }
    List<String> details = new ArrayList<>();
    for (Row r : spark.read().parquet(out + "_rejects").collectAsList()) {
      assertEquals("BAD_RECORD", r.getAs("reason"));
      details.add(r.getAs("detail"));
    }
    for (String mention : List.of("bbox [...] is not [x, y, w, h]", "category_id person",
        "not an object", "bbox is missing", "score high", "malformed JSON at line 2")) {
      assertTrue(details.stream().anyMatch(d -> d.contains(mention)), mention + " in " + details);
    }
    assertTrue(Files.readString(Path.of(out, OutputMetadata.SIDECAR)).contains("xywh"));
  }

  @Test
  void jsonLinesAreStillJsonLines() throws Exception {
    Path f = dir.resolve("lines.json");
    Files.writeString(f, "{\"image_id\": \"a\", \"x1\": 0, \"y1\": 0, \"x2\": 1, \"y2\": 1}\n");
    assertEquals("json", Proposals.detectFormat(spark, f.toString(), "auto"));
  }

  private static String rec(Good g) {
    float[] b = g.xywh();
    return "{\"image_id\": " + g.image() + ", \"category_id\": " + g.label() + ", \"bbox\": ["
        + b[0] + ", " + b[1] + ", " + b[2] + ", " + b[3] + "], \"score\": " + g.score() + "}";
  }
}
