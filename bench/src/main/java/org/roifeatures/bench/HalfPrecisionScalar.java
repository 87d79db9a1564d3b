package org.roifeatures.bench;

import org.openjdk.jmh.annotations.Fork;

/** {@link HalfPrecisionBenchmark} without {@code jdk.incubator.vector}: the scalar fallback. */
@Fork(value = 1, jvmArgs = {"-Xms1g", "-Xmx1g"})
public class HalfPrecisionScalar extends HalfPrecisionBenchmark {

  @Override
  protected String expectedEncoder() {
    return "scalar";
  }
}
