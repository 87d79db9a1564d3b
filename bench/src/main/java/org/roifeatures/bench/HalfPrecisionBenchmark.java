package org.roifeatures.bench;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.roifeatures.ops.HalfPrecision;

/**
 * Encoding one feature row (256×7×7 = 12,544 floats) to the bytes of a {@code binary} vector, as
 * spark-job's VectorEncoder does per row (a new array each time): the former per-value encoding
 * ({@link LegacyHalfEncoding}) against {@link HalfPrecision}'s bulk encoders. Subclasses fix the fork's
 * JVM options: {@link HalfPrecisionVector} adds {@code jdk.incubator.vector}, {@link HalfPrecisionScalar}
 * does not. Run with {@code java -jar bench/target/benchmarks.jar HalfPrecision}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public abstract class HalfPrecisionBenchmark {

  static final int ROW = 12_544;

  /**
   * {@code relu}: half zeros, half |N(0, 2)|, like post-ReLU features (zeros and normals interleaved
   * unpredictably, which is what branchy code mispredicts on); {@code gaussian}: N(0, 2), no zeros.
   */
  @Param({"relu", "gaussian"})
  public String values;

  private float[] row;

  /** Prefix {@link HalfPrecision#implementationName()} must have in this fork. */
  protected abstract String expectedEncoder();

  @Setup
  public void setUp() {
    String name = HalfPrecision.implementationName();
    if (!name.startsWith(expectedEncoder())) {
      throw new IllegalStateException("fork runs encoder " + name + ", expected " + expectedEncoder()
          + "*; check the fork's JVM options");
    }
    SplittableRandom r = new SplittableRandom(42);
    row = new float[ROW];
    for (int i = 0; i < ROW; i++) {
      float g = (float) (2 * r.nextGaussian());
      row[i] = values.equals("relu") ? Math.max(0f, g) : g;
    }
    // The baseline and the bulk encoders must agree before either is timed.
    check(LegacyHalfEncoding.float16(row, 0, ROW), float16Bulk());
    check(LegacyHalfEncoding.bfloat16(row, 0, ROW), bfloat16Bulk());
    check(LegacyHalfEncoding.float32(row, 0, ROW), float32Bulk());
  }

  private static void check(byte[] expected, byte[] actual) {
    if (!Arrays.equals(expected, actual)) {
      throw new IllegalStateException("bulk encoder bytes differ from the baseline's");
    }
  }

  @Benchmark
  public byte[] float16PerValue() {
    return LegacyHalfEncoding.float16(row, 0, ROW);
  }

  @Benchmark
  public byte[] float16Bulk() {
    byte[] out = new byte[ROW * 2];
    HalfPrecision.encodeFloat16(row, 0, ROW, out, 0);
    return out;
  }

  @Benchmark
  public byte[] bfloat16PerValue() {
    return LegacyHalfEncoding.bfloat16(row, 0, ROW);
  }

  @Benchmark
  public byte[] bfloat16Bulk() {
    byte[] out = new byte[ROW * 2];
    HalfPrecision.encodeBfloat16(row, 0, ROW, out, 0);
    return out;
  }

  @Benchmark
  public byte[] float32FloatBuffer() {
    return LegacyHalfEncoding.float32(row, 0, ROW);
  }

  @Benchmark
  public byte[] float32Bulk() {
    byte[] out = new byte[ROW * 4];
    HalfPrecision.encodeFloat32(row, 0, ROW, out, 0);
    return out;
  }
}
