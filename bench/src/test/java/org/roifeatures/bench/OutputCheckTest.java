package org.roifeatures.bench;

import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.roifeatures.ops.FeatureMap;
import org.roifeatures.ops.RoiAlign;
import org.roifeatures.ops.RoiAlignParams;

/** The pre-timing check passes a correct output and stops a wrong one. */
class OutputCheckTest {

  @Test
  void acceptsSameOutputOnEitherLayout() {
    float[] data = new float[32 * 6 * 5];
    for (int i = 0; i < data.length; i++) {
      data[i] = (float) Math.sin(i);
    }
    FeatureMap chw = FeatureMap.chw(data, 32, 6, 5);
    float[] boxes = {0, 0, 40, 30, 8, 8, 70, 90};
    RoiAlignParams p = RoiAlignParams.of(7, 7, 1.0 / 16, 2, true);
    float[] want = RoiAlign.forward(chw, boxes, p);
    OutputCheck.assertClose("hwc", want, RoiAlign.forward(chw.toLayout(FeatureMap.Layout.HWC), boxes, p));
  }

  @Test
  void rejectsWrongValuesLengthAndNaN() {
    float[] want = {1f, -2f, 100f};
    OutputCheck.assertClose("same", want, new float[] {1f, -2f, 100.0005f});
    assertThrows(IllegalStateException.class,
        () -> OutputCheck.assertClose("off", want, new float[] {1f, -2f, 100.01f}));
    assertThrows(IllegalStateException.class,
        () -> OutputCheck.assertClose("nan", want, new float[] {1f, Float.NaN, 100f}));
    assertThrows(IllegalStateException.class,
        () -> OutputCheck.assertClose("short", want, new float[] {1f, -2f}));
  }
}
