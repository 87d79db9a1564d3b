package org.roifeatures.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
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
    Set<String> undefined = new TreeSet<>();
    for (JsonNode c : cases) {
      seen.merge(c.get("op").asText(), 1, Integer::sum);
      JsonNode expected = c.get("expected");
      for (int r = 0; r < expected.size(); r++) {
        JsonNode row = expected.get(r);
        if (row.isNull()) {
          undefinedRows++;
          undefined.add(GoldenData.rowId(c, r));
          assertEquals("ps_roi_align", c.get("op").asText(), GoldenData.rowId(c, r));
        } else {
          for (int i = 0; i < row.size(); i++) {
            GoldenData.number(c, r, i, row.get(i));
          }
        }
      }
    }
    // Exactly the pinned rows are undefined, no more and no fewer.
    assertEquals(new TreeSet<>(GoldenData.UNDEFINED_ROWS), undefined, "undefined golden rows");
    assertEquals(476, cases.size(), "number of golden cases");
    assertEquals(new TreeMap<>(TORCHVISION_OPS), seen, "cases per op");
    System.out.println("torchvision golden: " + cases.size() + " cases, " + undefinedRows
        + " undefined rows, each checked to be 0");
  }

  @Test
  void aMissingGoldenFileFailsTheTest() {
    // An assertion failure (a red test), not an assumption (a skipped one).
    org.opentest4j.AssertionFailedError e = org.junit.jupiter.api.Assertions.assertThrows(
        org.opentest4j.AssertionFailedError.class, () -> GoldenData.locate("no_such_golden.json"));
    assertTrue(e.getMessage().contains("no_such_golden.json not found"), e.getMessage());
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
        for (int i = 0; i < row.size(); i++) {
          GoldenData.number(c, 0, i, row.get(i));
        }
      }
    }
    assertEquals(144, cases.size(), "number of ONNX golden cases");
    assertEquals(Map.of("onnx_roi_align/avg/half_pixel", 36, "onnx_roi_align/avg/output_half_pixel", 36,
        "onnx_roi_align/max/half_pixel", 36, "onnx_roi_align/max/output_half_pixel", 36), seen,
        "ONNX cases per mode and coordinate_transformation_mode");
  }
}
