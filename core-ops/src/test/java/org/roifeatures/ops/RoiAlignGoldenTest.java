package org.roifeatures.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every {@code roi_align} case of the torchvision golden file, through every kernel and layout. */
class RoiAlignGoldenTest {

  private static final AtomicInteger UNDEFINED = new AtomicInteger();

  static Stream<Arguments> cases() {
    return GoldenData.cases(GoldenData.TORCHVISION, "roi_align");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void matchesTorchvision(JsonNode c) {
    FeatureMap map = GoldenData.featureOf(c);
    float[] boxes = GoldenData.boxesOf(c);
    RoiAlignParams params = GoldenData.alignParams(c, c.get("aligned").asBoolean());
    float[] viaFacade = RoiAlign.forward(map, boxes, params);
    int rowLength = RoiAlign.rowLength(map, params);
    UNDEFINED.addAndGet(GoldenData.assertRows(c, viaFacade, rowLength));
    for (KernelVariants.Variant v : KernelVariants.all()) {
      float[] out = new float[viaFacade.length];
      v.kernels().roiAlign(v.arrange(map), boxes, 0, boxes.length / 4, params, out, 0);
      if (v.kernels() == RoiKernelsProvider.scalar()) {
        // The scalar kernel reads every layout through strides: same operations, same bits.
        assertArrayEquals(scalar(map, boxes, params), out, v.name());
      }
      GoldenData.assertRows(c, out, rowLength);
    }
  }

  private static float[] scalar(FeatureMap map, float[] boxes, RoiAlignParams params) {
    float[] out = new float[boxes.length / 4 * RoiAlign.rowLength(map, params)];
    RoiKernelsProvider.scalar().roiAlign(map, boxes, 0, boxes.length / 4, params, out, 0);
    return out;
  }

  @AfterAll
  static void report() {
    System.out.println("roi_align golden: rows undefined in the reference (must be 0): "
        + UNDEFINED.get());
  }
}
