package org.roifeatures.bench;

import org.openjdk.jmh.annotations.Fork;

/** The benchmarks in a JVM with {@code jdk.incubator.vector}: the facade uses the Panama kernels. */
@Fork(value = 1, jvmArgs = {"-Xms3g", "-Xmx3g", "--add-modules=jdk.incubator.vector",
    "-XX:+IgnoreUnrecognizedVMOptions", "-XX:+UseTransparentHugePages"})
public class VectorBenchmark extends RoiOpsBenchmark {

  @Override
  protected String expectedKernels() {
    return "panama-";
  }
}
