package org.roifeatures.bench;

import org.openjdk.jmh.annotations.Fork;

/**
 * The benchmarks in a JVM without {@code jdk.incubator.vector} ({@code jvmArgs} replaces, not extends,
 * the launching JVM's options): the facade falls back to the scalar kernels.
 */
@Fork(value = 1, jvmArgs = {"-Xms3g", "-Xmx3g", "-XX:+IgnoreUnrecognizedVMOptions",
    "-XX:+UseTransparentHugePages"})
public class ScalarBenchmark extends RoiOpsBenchmark {

  @Override
  protected String expectedKernels() {
    return "scalar";
  }
}
