package org.roifeatures.ops;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every {@code multiscale_roi_align} case of the torchvision golden file (FPN level mapping). */
class MultiScaleRoiAlignGoldenTest {

  static Stream<Arguments> cases() {
    return GoldenData.cases(GoldenData.TORCHVISION, "multiscale_roi_align");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void matchesTorchvision(JsonNode c) {
    JsonNode root = GoldenData.load(GoldenData.TORCHVISION);
    JsonNode levels = c.get("levels");
    FeatureMap[] maps = new FeatureMap[levels.size()];
    double[] scales = new double[levels.size()];
    for (int i = 0; i < maps.length; i++) {
      maps[i] = GoldenData.feature(root, levels.get(i).get("feature").asText());
      scales[i] = levels.get(i).get("spatial_scale").asDouble();
    }
    float[] boxes = GoldenData.boxes(root, c.get("boxes").asText());
    RoiAlignParams params = RoiAlignParams.of(c.get("pooled_h").asInt(), c.get("pooled_w").asInt(),
        1.0, c.get("sampling_ratio").asInt(), c.path("aligned").asBoolean(false));
    int kMin = LevelMapper.levelOfScale(scales[0]);
    int kMax = LevelMapper.levelOfScale(scales[scales.length - 1]);
    LevelMapper mapper = new LevelMapper(LevelMapper.Formula.TORCHVISION, kMin, kMax,
        c.get("canonical_scale").asDouble(), c.get("canonical_level").asInt(), 1e-6);
    MultiScaleRoiAlign op = new MultiScaleRoiAlign(scales, mapper, params);
    int n = boxes.length / 4;
    int rowLength = op.rowLength(maps[0].channels());
    // CHW maps take the gathered path (a level's boxes pooled in one call), channels-last maps the
    // per-run path (each run of same-level boxes pooled straight into its rows): both must match.
    for (FeatureMap.Layout layout : FeatureMap.Layout.values()) {
      FeatureMap[] laidOut = new FeatureMap[maps.length];
      for (int i = 0; i < maps.length; i++) {
        laidOut[i] = maps[i].toLayout(layout);
      }
      float[] out = new float[n * rowLength];
      int[] level = new int[n];
      op.forward(laidOut, boxes, 0, n, out, 0, level, 0);
      GoldenData.assertRows(c, out, rowLength);
    }
  }
}
