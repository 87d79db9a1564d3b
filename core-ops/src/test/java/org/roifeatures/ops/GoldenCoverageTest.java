package org.roifeatures.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Guards the golden suite itself: every case in the file belongs to an op that a golden test runs,
 * and the file holds the expected number of cases, so a truncated or partial file cannot pass.
 */
class GoldenCoverageTest {

  private static final Map<String, Integer> TORCHVISION_OPS = Map.of(
      "roi_align", 408, "roi_pool", 48, "ps_roi_align", 12, "ps_roi_pool", 6,
      "multiscale_roi_align", 2);

  @Test
  void everyTorchvisionCaseHasATest() {
    JsonNode cases = GoldenData.load(GoldenData.TORCHVISION).get("cases");
    Map<String, Integer> seen = new TreeMap<>();
    int undefinedRows = 0;
    for (JsonNode c : cases) {
      seen.merge(c.get("op").asText(), 1, Integer::sum);
      for (JsonNode row : c.get("expected")) {
        if (row.isNull()) {
          undefinedRows++;
        }
      }
    }
    assertEquals(476, cases.size(), "number of golden cases");
    assertEquals(new TreeMap<>(TORCHVISION_OPS), seen, "cases per op");
    // Few rows may be undefined (NaN in torchvision); they are skipped, not silently many.
    assertTrue(undefinedRows <= 16, "undefined rows: " + undefinedRows);
    System.out.println("torchvision golden: " + cases.size() + " cases, " + undefinedRows
        + " undefined rows skipped");
  }

  @Test
  void everyOnnxCaseHasATest() {
    JsonNode cases = GoldenData.load(GoldenData.ONNX).get("cases");
    Map<String, Integer> seen = new TreeMap<>();
    for (JsonNode c : cases) {
      seen.merge(c.get("op").asText() + "/" + c.get("mode").asText() + "/"
          + c.get("coordinate_transformation_mode").asText(), 1, Integer::sum);
      for (JsonNode row : c.get("expected")) {
        // onnxruntime defines every output; a null row would be silently skipped.
        assertTrue(!row.isNull(), "undefined row in ONNX golden case " + GoldenData.describe(c));
      }
    }
    assertEquals(144, cases.size(), "number of ONNX golden cases");
    assertEquals(Map.of("onnx_roi_align/avg/half_pixel", 36, "onnx_roi_align/avg/output_half_pixel", 36,
        "onnx_roi_align/max/half_pixel", 36, "onnx_roi_align/max/output_half_pixel", 36), seen,
        "ONNX cases per mode and coordinate_transformation_mode");
  }
}
