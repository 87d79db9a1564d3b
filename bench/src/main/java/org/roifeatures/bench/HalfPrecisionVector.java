package org.roifeatures.bench;

import org.openjdk.jmh.annotations.Fork;

/** {@link HalfPrecisionBenchmark} with {@code jdk.incubator.vector}: the Vector API encoders. */
@Fork(value = 1, jvmArgs = {"-Xms1g", "-Xmx1g", "--add-modules=jdk.incubator.vector"})
public class HalfPrecisionVector extends HalfPrecisionBenchmark {

  @Override
  protected String expectedEncoder() {
    return "panama-";
  }
}
