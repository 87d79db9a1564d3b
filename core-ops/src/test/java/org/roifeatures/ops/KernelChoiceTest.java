package org.roifeatures.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * The provider picks the kernels the test run was configured for: Maven runs the suite once with
 * {@code jdk.incubator.vector} (expect Panama) and once without (expect the scalar fallback), and
 * says which through {@code roifeatures.expectKernels}. Outside Maven nothing is expected.
 */
class KernelChoiceTest {

  @Test
  void providerChoosesTheConfiguredKernels() {
    String expected = System.getProperty("roifeatures.expectKernels", "");
    boolean hasModule = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
    if (expected.equals("scalar")) {
      assertTrue(!hasModule, "the scalar test run must not add jdk.incubator.vector");
      assertNull(RoiKernelsProvider.panamaOrNull());
      assertEquals("scalar", RoiAlign.kernelName());
      assertEquals(FeatureMap.Layout.CHW, RoiAlign.preferredLayout());
    } else if (expected.equals("panama")) {
      assertNotNull(RoiKernelsProvider.panamaOrNull(), "vector kernels did not load");
      assertTrue(RoiAlign.kernelName().startsWith("panama-"), RoiAlign.kernelName());
      assertEquals(FeatureMap.Layout.HWC, RoiAlign.preferredLayout());
    }
  }

  @Test
  void halfPrecisionEncoderFollowsTheSameChoice() {
    String expected = System.getProperty("roifeatures.expectKernels", "");
    if (expected.equals("scalar")) {
      assertNull(RoiKernelsProvider.halfEncoderPanamaOrNull());
      assertEquals("scalar", HalfPrecision.implementationName());
    } else if (expected.equals("panama")) {
      assertNotNull(RoiKernelsProvider.halfEncoderPanamaOrNull(), "vector encoder did not load");
      assertTrue(HalfPrecision.implementationName().startsWith("panama-"),
          HalfPrecision.implementationName());
    }
  }
}
