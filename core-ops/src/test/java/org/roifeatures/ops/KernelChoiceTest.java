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
 *
 * <p>Every surefire execution also says which vector width it exists to test
 * ({@code roifeatures.expectVectorBits}: 512, 256 or none) and which RoI Align summation order
 * ({@code roifeatures.expectSummation}); both are asserted here, unconditionally, in every execution
 * (the reference-summation execution includes this class), so an execution that silently tests
 * something else fails instead of passing.
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

  @Test
  void theVectorWidthIsTheOneThisExecutionTests() {
    if (System.getProperty("roifeatures.expectKernels") == null) {
      return; // outside Maven: nothing configured, nothing expected
    }
    String expected = System.getProperty("roifeatures.expectVectorBits");
    assertNotNull(expected, "this surefire execution does not say which vector width it tests "
        + "(system property roifeatures.expectVectorBits: 512, 256 or none)");
    String kernels = RoiAlign.kernelName();
    String actual = kernels.startsWith("panama-") ? kernels.substring("panama-".length()) : "none";
    String flags = cpuVectorFlags();
    if (expected.equals("512") && !flags.isEmpty() && !flags.contains("avx512f")
        && flags.contains("avx2")) {
      // The hardware cannot run what this execution exists for: it must then run the widest
      // kernels the CPU has, and say (as a skipped test, visible in every report) that the 512-bit
      // ones went untested here.
      assertEquals("256", actual, "without AVX-512 the widest kernels are 256-bit");
      org.junit.jupiter.api.Assumptions.abort("THIS MACHINE HAS NO AVX-512 (CPU flags: " + flags
          + "): the 512-bit kernels are not tested here; this execution ran the 256-bit ones");
    }
    if (!expected.equals(actual)) {
      String cpu = cpuVectorFlags();
      throw new AssertionError("this surefire execution exists to test " + expected + "-bit vector "
          + "kernels, but the provider chose '" + kernels + "' (" + actual + ")."
          + (expected.equals("512") && !cpu.contains("avx512f")
              ? " THIS MACHINE CANNOT DO 512-BIT VECTORS: its CPU has no AVX-512 (flags: " + cpu
                  + "), so the JVM prefers " + actual + "-bit vectors and the 512-bit kernels are "
                  + "NOT tested here. Run on an AVX-512 machine, or pass "
                  + "-Droifeatures.defaultVectorBits=" + actual + " to accept that they go untested."
              : " CPU vector flags: " + cpu));
    }
  }

  @Test
  void theSummationOrderIsTheOneThisExecutionTests() {
    String expected = System.getProperty("roifeatures.expectSummation");
    if (System.getProperty("roifeatures.expectKernels") == null && expected == null) {
      return; // outside Maven
    }
    assertNotNull(expected, "this surefire execution does not say which summation it tests "
        + "(system property roifeatures.expectSummation: separable or reference)");
    assertEquals(expected.equals("reference"), RoiKernelsProvider.REFERENCE_SUMMATION,
        "roifeatures.expectSummation=" + expected + " but " + RoiKernelsProvider.SUMMATION_PROPERTY
            + "=" + System.getProperty(RoiKernelsProvider.SUMMATION_PROPERTY));
  }

  /** The CPU's SIMD flags from /proc/cpuinfo (Linux), for the failure message only. */
  private static String cpuVectorFlags() {
    try {
      for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/cpuinfo"))) {
        if (line.startsWith("flags")) {
          StringBuilder s = new StringBuilder();
          for (String f : line.substring(line.indexOf(':') + 1).trim().split("\\s+")) {
            if (f.startsWith("avx") || f.startsWith("sse4") || f.equals("fma")) {
              s.append(s.length() == 0 ? "" : " ").append(f);
            }
          }
          return s.toString();
        }
      }
    } catch (java.io.IOException | RuntimeException e) {
      return "unknown (" + e + ")";
    }
    return "unknown";
  }
}
