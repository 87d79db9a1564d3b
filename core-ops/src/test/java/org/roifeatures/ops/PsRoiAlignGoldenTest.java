package org.roifeatures.ops;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every {@code ps_roi_align} case of the torchvision golden file, through every kernel and layout. */
class PsRoiAlignGoldenTest {

  private static final AtomicInteger UNDEFINED = new AtomicInteger();

  static Stream<Arguments> cases() {
    return GoldenData.cases(GoldenData.TORCHVISION, "ps_roi_align");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void matchesTorchvision(JsonNode c) {
    FeatureMap map = GoldenData.featureOf(c);
    float[] boxes = GoldenData.boxesOf(c);
    RoiAlignParams params = GoldenData.alignParams(c, true);
    float[] viaFacade = PsRoiAlign.forward(map, boxes, params);
    int rowLength = PsRoiAlign.rowLength(map, params);
    UNDEFINED.addAndGet(GoldenData.assertRows(c, viaFacade, rowLength));
    for (KernelVariants.Variant v : KernelVariants.all()) {
      float[] out = new float[viaFacade.length];
      v.kernels().psRoiAlign(v.arrange(map), boxes, 0, boxes.length / 4, params, out, 0);
      GoldenData.assertRows(c, out, rowLength);
    }
  }

  @AfterAll
  static void report() {
    System.out.println("ps_roi_align golden: rows undefined in the reference (each checked to be 0): "
        + UNDEFINED.get());
    // All pinned rows were reached (they are all ps_roi_align rows).
    org.junit.jupiter.api.Assertions.assertEquals(GoldenData.UNDEFINED_ROWS.size(), UNDEFINED.get(),
        "undefined ps_roi_align rows checked");
  }
}
