package org.roifeatures.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * With {@code -Droifeatures.align.summation=reference} (the surefire execution
 * {@code reference-summation-test}), RoI Align averages are summed in torchvision's order and must
 * give torchvision's float32 results bit for bit: the golden file's values are float32 printed to
 * round-trip, so each one parses back to the exact float torchvision computed. Every kernel and
 * layout is held to that, not to a tolerance.
 */
@EnabledIfSystemProperty(named = RoiKernelsProvider.SUMMATION_PROPERTY, matches = "reference")
class ReferenceSummationTest {

  static Stream<Arguments> alignCases() {
    return GoldenData.cases(GoldenData.TORCHVISION, "roi_align");
  }

  static Stream<Arguments> psCases() {
    return GoldenData.cases(GoldenData.TORCHVISION, "ps_roi_align");
  }

  @Test
  void theSwitchIsOn() {
    assertTrue(RoiKernelsProvider.REFERENCE_SUMMATION);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("alignCases")
  void roiAlignGivesTorchvisionsBits(JsonNode c) {
    FeatureMap map = GoldenData.featureOf(c);
    float[] boxes = GoldenData.boxesOf(c);
    RoiAlignParams params = GoldenData.alignParams(c, c.get("aligned").asBoolean());
    int rowLength = RoiAlign.rowLength(map, params);
    for (KernelVariants.Variant v : KernelVariants.all()) {
      float[] out = new float[boxes.length / 4 * rowLength];
      v.kernels().roiAlign(v.arrange(map), boxes, 0, boxes.length / 4, params, out, 0);
      assertBits(c, out, rowLength, v.name());
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("psCases")
  void psRoiAlignGivesTorchvisionsBits(JsonNode c) {
    FeatureMap map = GoldenData.featureOf(c);
    float[] boxes = GoldenData.boxesOf(c);
    RoiAlignParams params = GoldenData.alignParams(c, true);
    assertBits(c, PsRoiAlign.forward(map, boxes, params), PsRoiAlign.rowLength(map, params),
        "ps_roi_align");
  }

  /** Every defined expected value, parsed as float32, equals the output float exactly. */
  private static void assertBits(JsonNode c, float[] actual, int rowLength, String what) {
    JsonNode expected = c.get("expected");
    assertEquals(expected.size() * rowLength, actual.length, what + ": output length");
    for (int r = 0; r < expected.size(); r++) {
      JsonNode row = expected.get(r);
      if (row.isNull()) {
        GoldenData.assertUndefinedRow(c, r, actual, rowLength, what);
        continue;
      }
      for (int i = 0; i < rowLength; i++) {
        GoldenData.number(c, r, i, row.get(i));
        float e = Float.parseFloat(row.get(i).asText());
        float a = actual[r * rowLength + i];
        if (Float.floatToIntBits(e) != Float.floatToIntBits(a) && !(e == 0f && a == 0f)) {
          throw new AssertionError(what + " row " + r + " element " + i + ": torchvision " + e
              + ", got " + a);
        }
      }
    }
  }
}
