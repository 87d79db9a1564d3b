package org.roifeatures.bench;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
    float[] hwc = RoiAlign.forward(chw.toLayout(FeatureMap.Layout.HWC), boxes, p);
    assertEquals(2 * 32 * 7 * 7, want.length);
    int nonZero = 0;
    for (float v : want) {
      nonZero += v != 0 ? 1 : 0;
    }
    assertTrue(nonZero > want.length / 2, "a mostly non-zero output, or the comparison shows little");
    assertDoesNotThrow(() -> OutputCheck.assertClose("hwc", want, hwc));
    // The same check on the same data is live: one element off by 1e-3 relative is named.
    float[] off = hwc.clone();
    int i = want.length / 3;
    off[i] = want[i] + 1e-3f * Math.max(1f, Math.abs(want[i]));
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> OutputCheck.assertClose("hwc", want, off));
    assertTrue(e.getMessage().contains("element " + i), e.getMessage());
  }

  @Test
  void rejectsWrongValuesLengthAndNaN() {
    float[] want = {1f, -2f, 100f};
    assertDoesNotThrow(() -> OutputCheck.assertClose("same", want, new float[] {1f, -2f, 100.0005f}));
    assertThrows(IllegalStateException.class,
        () -> OutputCheck.assertClose("off", want, new float[] {1f, -2f, 100.01f}));
    assertThrows(IllegalStateException.class,
        () -> OutputCheck.assertClose("nan", want, new float[] {1f, Float.NaN, 100f}));
    assertThrows(IllegalStateException.class,
        () -> OutputCheck.assertClose("short", want, new float[] {1f, -2f}));
    assertThrows(IllegalStateException.class,
        () -> OutputCheck.assertClose("long", want, new float[] {1f, -2f, 100f, 0f}));
  }
}
