package org.roifeatures.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every {@code onnx_roi_align} case of the onnxruntime golden file (ONNX RoiAlign, opset 16), through
 * the facade and every kernel and layout. ONNX's attributes map onto RoI Align's through
 * {@link Semantics#onnx(String)}: {@code half_pixel} → −0.5 shift, no size clamp;
 * {@code output_half_pixel} → no shift, size clamped to ≥ 1; {@code avg} → AVG, {@code max} → ONNX_MAX.
 */
class OnnxRoiAlignGoldenTest {

  static Stream<Arguments> cases() {
    return GoldenData.cases(GoldenData.ONNX, "onnx_roi_align");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void matchesOnnxruntime(JsonNode c) {
    JsonNode root = GoldenData.load(GoldenData.ONNX);
    FeatureMap map = GoldenData.feature(root, c.get("feature").asText());
    float[] boxes = GoldenData.boxes(root, c.get("boxes").asText());
    Semantics onnx = Semantics.onnx(c.get("coordinate_transformation_mode").asText())
        .withSamplingRatio(c.get("sampling_ratio").asInt());
    RoiAlignParams params = onnx.roiAlignParams(c.get("pooled_h").asInt(), c.get("pooled_w").asInt(),
        c.get("spatial_scale").asDouble(), onnx.poolingMode(c.get("mode").asText()));
    float[] viaFacade = RoiAlign.forward(map, boxes, params);
    int rowLength = RoiAlign.rowLength(map, params);
    GoldenData.assertRows(c, viaFacade, rowLength);
    float[] scalar = new float[viaFacade.length];
    RoiKernelsProvider.scalar().roiAlign(map, boxes, 0, boxes.length / 4, params, scalar, 0);
    for (KernelVariants.Variant v : KernelVariants.all()) {
      float[] out = new float[viaFacade.length];
      v.kernels().roiAlign(v.arrange(map), boxes, 0, boxes.length / 4, params, out, 0);
      if (v.kernels() == RoiKernelsProvider.scalar()) {
        // The scalar kernel reads every layout through strides: same operations, same bits.
        assertArrayEquals(scalar, out, v.name());
      }
      GoldenData.assertRows(c, out, rowLength);
    }
  }
}
