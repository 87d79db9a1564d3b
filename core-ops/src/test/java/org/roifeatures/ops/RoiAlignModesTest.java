package org.roifeatures.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Max-mode RoI Align (not in torchvision) and average mode on random inputs, against the slow
 * definition-by-definition reference in {@link ReferenceOps}.
 */
class RoiAlignModesTest {

  static FeatureMap randomMap(Random r, int c, int h, int w) {
    float[] d = new float[c * h * w];
    for (int i = 0; i < d.length; i++) {
      d[i] = (float) r.nextGaussian();
    }
    return FeatureMap.chw(d, c, h, w);
  }

  static float[] randomBox(Random r, int h, int w, double scale) {
    // Mostly on the map, some partly or fully off it, some tiny, some inverted.
    float x1 = (float) ((r.nextDouble() * 1.4 - 0.2) * w / scale);
    float y1 = (float) ((r.nextDouble() * 1.4 - 0.2) * h / scale);
    float bw = (float) ((r.nextDouble() * 1.2 - 0.1) * w / scale);
    float bh = (float) ((r.nextDouble() * 1.2 - 0.1) * h / scale);
    return new float[] {x1, y1, x1 + bw, y1 + bh};
  }

  @ParameterizedTest(name = "C={0} {1}x{2} pooled {3}x{4} scale={5} sr={6} aligned={7}")
  @CsvSource({
      "1, 1, 1, 1, 1, 1.0, 1, false",
      "3, 7, 9, 7, 7, 1.0, 2, false",
      "3, 7, 9, 7, 7, 1.0, 0, true",
      "5, 13, 11, 3, 5, 0.5, -1, false",
      "2, 16, 16, 2, 3, 0.25, 3, true",
      "4, 9, 17, 14, 14, 0.0625, 0, false",
  })
  void maxAndAverageMatchTheDefinition(int c, int h, int w, int ph, int pw, double scale, int sr,
      boolean aligned) {
    Random r = new Random(31L * c + 7L * h + w + ph + sr);
    FeatureMap map = randomMap(r, c, h, w);
    RoiAlignParams avg = RoiAlignParams.of(ph, pw, scale, sr, aligned);
    RoiAlignParams max = avg.withMode(PoolingMode.MAX);
    for (int k = 0; k < 40; k++) {
      float[] box = randomBox(r, h, w, scale);
      float[] gotMax = RoiAlign.forward(map, box, max);
      float[] wantMax = ReferenceOps.roiAlignMax(map, box, max);
      assertArrayEquals(wantMax, gotMax, 1e-4f, () -> "max mode, box " + java.util.Arrays.toString(box));
      float[] gotAvg = RoiAlign.forward(map, box, avg);
      float[] wantAvg = ReferenceOps.roiAlignAvg(map, box, avg);
      assertArrayEquals(wantAvg, gotAvg, 1e-4f, () -> "avg mode, box " + java.util.Arrays.toString(box));
      for (int i = 0; i < gotMax.length; i++) {
        if (gotAvg[i] > gotMax[i] + 1e-5f) {
          throw new AssertionError("average exceeds max at " + i);
        }
      }
    }
  }

  @org.junit.jupiter.api.Test
  void maxDefinitionsDifferAsDocumented() {
    // One row of two cells, values 2 and 4; one sample exactly halfway between them.
    FeatureMap map = FeatureMap.chw(new float[] {2, 4}, 1, 1, 2);
    float[] box = {0, 0, 1, 1};
    RoiAlignParams p = new RoiAlignParams(1, 1, 1.0, 1, false, PoolingMode.MAX);
    assertEquals(3f, RoiAlign.forward(map, box, p)[0]);
    assertEquals(2f, RoiAlign.forward(map, box, p.withMode(PoolingMode.ONNX_MAX))[0]);
    assertEquals(3f, RoiAlign.forward(map, box, p.withMode(PoolingMode.AVG))[0]);
  }

  @org.junit.jupiter.api.Test
  void offMapSamplesCountAsZeroInMax() {
    float[] d = {-5, -5, -5, -5};
    FeatureMap map = FeatureMap.chw(d, 1, 2, 2);
    RoiAlignParams p = new RoiAlignParams(1, 1, 1.0, 2, false, PoolingMode.MAX);
    // Half the box lies far right of the map: its samples count as 0, which beats -5.
    assertEquals(0f, RoiAlign.forward(map, new float[] {0, 0, 10, 2}, p)[0]);
    // Fully on the map: the max is the interpolated -5.
    assertEquals(-5f, RoiAlign.forward(map, new float[] {0, 0, 1, 1}, p)[0]);
    // Fully off the map: every sample is 0.
    assertTrue(RoiAlign.forward(map, new float[] {50, 50, 60, 60}, p)[0] == 0f);
  }
}
