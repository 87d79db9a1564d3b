package org.roifeatures.ops;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every {@code ps_roi_pool} case of the torchvision golden file, through every kernel and layout. */
class PsRoiPoolGoldenTest {

  private static final AtomicInteger UNDEFINED = new AtomicInteger();

  static Stream<Arguments> cases() {
    return GoldenData.cases(GoldenData.TORCHVISION, "ps_roi_pool");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void matchesTorchvision(JsonNode c) {
    JsonNode root = GoldenData.load(GoldenData.TORCHVISION);
    FeatureMap map = GoldenData.feature(root, c.get("feature").asText());
    float[] boxes = GoldenData.boxes(root, c.get("boxes").asText());
    RoiPoolParams params = new RoiPoolParams(c.get("pooled_h").asInt(), c.get("pooled_w").asInt(),
        c.get("spatial_scale").asDouble());
    float[] viaFacade = PsRoiPool.forward(map, boxes, params);
    int rowLength = PsRoiPool.rowLength(map, params);
    UNDEFINED.addAndGet(GoldenData.assertRows(c, viaFacade, rowLength));
    for (KernelVariants.Variant v : KernelVariants.all()) {
      float[] out = new float[viaFacade.length];
      v.kernels().psRoiPool(v.arrange(map), boxes, 0, boxes.length / 4, params, out, 0);
      GoldenData.assertRows(c, out, rowLength);
    }
  }

  @AfterAll
  static void report() {
    System.out.println("ps_roi_pool golden: rows undefined in the reference (must be 0): "
        + UNDEFINED.get());
  }
}
