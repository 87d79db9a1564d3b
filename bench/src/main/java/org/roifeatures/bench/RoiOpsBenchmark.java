package org.roifeatures.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.roifeatures.ops.FeatureMap;
import org.roifeatures.ops.RoiAlign;
import org.roifeatures.ops.RoiPool;

/**
 * One image of a {@code tv_bench.py} case through the public facade: all of its RoIs in one call, into
 * one reused output buffer, single-threaded. The inputs are the ones torchvision was timed on, and the
 * setup checks the output against torchvision's before timing, so a wrong kernel cannot be timed.
 *
 * <p>Subclasses fix the fork's JVM options, and with them the kernels the facade picks:
 * {@link VectorBenchmark} adds {@code jdk.incubator.vector}, {@link ScalarBenchmark} does not.
 * {@code layout} is the map's layout as passed to the facade: HWC is what a caller converting once
 * per image with {@link RoiAlign#preferredLayout()} passes; CHW includes whatever the kernels do
 * with a channels-first map (the vector kernels copy it to channels-last within the call).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public abstract class RoiOpsBenchmark {

  @Param({"fpn_p4_align_7x7_sr2", "fpn_p4_align_7x7_adaptive", "c4_align_14x14_sr0", "vgg_pool_7x7"})
  public BenchCase workload;

  @Param({"HWC", "CHW"})
  public FeatureMap.Layout layout;

  /** Directory written by {@code tv_bench.py --save}. */
  @Param("/tmp/tv")
  public String data;

  private FeatureMap map;
  private float[] boxes;
  private float[] out;

  /** Prefix the facade's kernel name must have in this fork, e.g. "scalar" or "panama-". */
  protected abstract String expectedKernels();

  @Setup(Level.Trial)
  public void load() throws IOException {
    String kernels = RoiAlign.kernelName();
    if (!kernels.startsWith(expectedKernels())) {
      throw new IllegalStateException("fork runs kernels " + kernels + ", expected "
          + expectedKernels() + "*; check the fork's JVM options");
    }
    Path dir = Paths.get(data);
    Path featFile = dir.resolve(workload + "_feat.npy");
    if (!Files.isRegularFile(featFile)) {
      throw new IllegalStateException(featFile + " not found: run /usr/bin/python3 "
          + "shared/bench/tv_bench.py --threads 1 --reps 5 --save " + dir + " (or pass -p data=DIR)");
    }
    Npy.Array feat = Npy.read(featFile);
    int[] s = feat.shape();
    if (s.length != 3 || s[0] != workload.channels) {
      throw new IllegalStateException(featFile + ": shape " + java.util.Arrays.toString(s)
          + ", expected (" + workload.channels + ", H, W)");
    }
    map = FeatureMap.chw(feat.data(), s[0], s[1], s[2]).toLayout(layout);
    // HWC: what a caller pooling many boxes per map does (RoiAlign.prepare: channel blocks for the vector kernels).
    if (layout == FeatureMap.Layout.HWC && RoiAlign.preferredLayout() == layout) {
      map = RoiAlign.prepare(map);
    }
    boxes = Npy.read(dir.resolve(workload + "_boxes.npy")).data();
    if (boxes.length != 4 * workload.rois) {
      throw new IllegalStateException(workload + ": " + boxes.length / 4 + " boxes, expected "
          + workload.rois);
    }
    float[] expected = Npy.read(dir.resolve(workload + "_out.npy")).data();
    out = new float[expected.length];
    image();
    OutputCheck.assertClose(workload + " " + layout + " " + kernels, expected, out);
  }

  /** All RoIs of one image. */
  @Benchmark
  public float[] image() {
    if (workload.pool) {
      RoiPool.forward(map, boxes, 0, workload.rois, workload.poolParams(), out, 0);
    } else {
      RoiAlign.forward(map, boxes, 0, workload.rois, workload.alignParams(), out, 0);
    }
    return out;
  }
}
