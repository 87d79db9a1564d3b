package org.roifeatures.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.roifeatures.spark.conf.JobOptions;
import org.roifeatures.spark.io.NpyArrays;

/**
 * The job against torchvision itself, on the committed fixture {@code
 * src/test/resources/fixtures/torchvision_resized} (made by its {@code make_fixture.py} with
 * torchvision 0.14.1; this test needs only the files): images resized by {@code
 * GeneralizedRCNNTransform}, their backbone maps as float16 {@code (1, C, H, W)} .npy, detections as
 * COCO results in the original images' pixels with integer image ids. With {@code
 * proposals.box.resize=true} and {@code multiscale_roi_align} set as the fixture's {@code
 * MultiScaleRoIAlign} (5x5, sampling ratio 2, canonical scale 56), every box equals torchvision's
 * {@code resize_boxes} result exactly and every vector its pooled output within 1e-5.
 */
class TorchvisionResizedTest extends SparkTestBase {

  private static final String FIXTURE = "/fixtures/torchvision_resized/";
  private static final double TOLERANCE = 1e-5;

  private static Path dir;

  @BeforeAll
  static void setUp() throws Exception {
    dir = tempDir("torchvision");
  }

  @AfterAll
  static void cleanup() throws Exception {
    deleteTree(dir);
  }

  /** A fixture file; a missing one fails the test (the fixture is committed, never optional). */
  private static Path fixture(String name) throws Exception {
    var url = TorchvisionResizedTest.class.getResource(FIXTURE + name);
    assertNotNull(url, "fixture file " + FIXTURE + name + " is missing: it is committed with the "
        + "test (regenerate it with make_fixture.py and torchvision)");
    return Path.of(url.toURI());
  }

  @Test
  void theJobReproducesTorchvisionsMultiScaleRoiAlignOnResizedImages() throws Exception {
    JsonNode keys;
    try (InputStream in = Files.newInputStream(fixture("expected_keys.json"))) {
      keys = new ObjectMapper().readTree(in);
    }
    NpyArrays.FloatArray expected;
    try (InputStream in = Files.newInputStream(fixture("expected_features.npy"))) {
      expected = NpyArrays.read(in);
    }
    int n = keys.size();
    int length = (int) expected.shape()[1];
    assertTrue(n > 0 && expected.shape()[0] == n, "expected rows: " + n);

    String out = dir.resolve("out").toString();
    JobSummary s = runJob(JobOptions.MAPS_PATH, fixture("maps").toString(),
        JobOptions.PROPOSALS_PATH, fixture("detections.json").toString(),
        JobOptions.IMAGE_ID_DIGITS, "12", JobOptions.BOX_RESIZE, "true",
        JobOptions.OP, "multiscale_roi_align", JobOptions.SEMANTICS, "torchvision",
        JobOptions.POOLED_HEIGHT, "5", JobOptions.POOLED_WIDTH, "5",
        JobOptions.SAMPLING_RATIO, "2", JobOptions.ALIGNED, "false",
        JobOptions.CANONICAL_SCALE, "56", JobOptions.OUTPUT_PATH, out);
    assertEquals(0, s.rejected(), "rejects: " + s.rejectsByReason());

    Map<String, Row> got = new HashMap<>();
    for (Row r : spark.read().parquet(out).collectAsList()) {
      assertTrue(got.put(OutputKeys.key(r), r) == null, "duplicate " + OutputKeys.key(r));
    }
    assertEquals(n, got.size());
    double worst = 0;
    for (int i = 0; i < n; i++) {
      JsonNode k = keys.get(i);
      String key = k.get(0).asText() + "/" + k.get(1).asLong();
      Row r = got.get(key);
      assertNotNull(r, "no output row for torchvision's " + key);
      float[] box = {(float) k.get(2).asDouble(), (float) k.get(3).asDouble(),
          (float) k.get(4).asDouble(), (float) k.get(5).asDouble()};
      assertArrayEquals(box, OutputKeys.box(r), key + ": box vs torchvision's resize_boxes");
      float[] v = OutputKeys.floats(r.getAs("features"));
      assertEquals(length, v.length, key);
      for (int j = 0; j < length; j++) {
        float want = expected.data()[i * length + j];
        double diff = Math.abs(want - v[j]);
        worst = Math.max(worst, diff);
        assertTrue(diff <= TOLERANCE, key + " element " + j + ": job " + v[j] + ", torchvision "
            + want);
      }
    }
    System.out.println("[torchvision fixture] " + n + " vectors of " + length
        + ", largest difference " + worst);
  }
}
