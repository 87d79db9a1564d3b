package org.roifeatures.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** {@code batch.rois}: a number, or auto-sized to about 1 MiB of output per kernel call. */
class BatchRoisTest {

  @Test
  void autoFillsAboutOneMebibyteOfOutput() {
    assertEquals(20, RoiFeaturesJob.batchRois("auto", 256 * 7 * 7));     // 50 KB rows
    assertEquals(1, RoiFeaturesJob.batchRois("auto", 1024 * 14 * 14));  // 800 KB rows
    assertEquals(1, RoiFeaturesJob.batchRois("AUTO", 4096 * 14 * 14));  // larger than the target
    assertEquals(64, RoiFeaturesJob.batchRois(" auto ", 10));            // capped
  }

  @Test
  void aNumberIsTakenAsGiven() {
    assertEquals(16, RoiFeaturesJob.batchRois("16", 256 * 7 * 7));
    assertEquals(500, RoiFeaturesJob.batchRois("500", 10));
  }

  @Test
  void badValuesAreRefusedByName() {
    IllegalArgumentException zero = assertThrows(IllegalArgumentException.class,
        () -> RoiFeaturesJob.batchRois("0", 49));
    assertTrue(zero.getMessage().contains("batch.rois"), zero.getMessage());
    IllegalArgumentException text = assertThrows(IllegalArgumentException.class,
        () -> RoiFeaturesJob.batchRois("lots", 49));
    assertTrue(text.getMessage().contains("'lots'"), text.getMessage());
  }
}
