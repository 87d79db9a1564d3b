package org.roifeatures.bench;

import java.nio.file.Path;
import java.nio.file.Paths;
import org.roifeatures.ops.FeatureMap;
import org.roifeatures.ops.RoiAlign;
import org.roifeatures.ops.RoiPool;

/**
 * The JMH cases timed by this thread's CPU time instead of wall time, for shared machines: when other
 * jobs keep the cores busy, wall time mostly measures waiting for a core. Runs in the current JVM, so
 * the JVM's options choose the kernels. Checks each output against torchvision's before timing.
 *
 * <p>Usage: {@code java [--add-modules jdk.incubator.vector] -cp benchmarks.jar
 * org.roifeatures.bench.CpuTimeRun DATA_DIR [REPS] [HWC|CHW]}; prints one line per case with the
 * best and median CPU time of REPS calls after REPS warm-up calls.
 */
public final class CpuTimeRun {

  private CpuTimeRun() {}

  public static void main(String[] args) throws Exception {
    Path dir = Paths.get(args.length > 0 ? args[0] : "/tmp/tv");
    int reps = args.length > 1 ? Integer.parseInt(args[1]) : 15;
    FeatureMap.Layout layout = FeatureMap.Layout.valueOf(args.length > 2 ? args[2] : "HWC");
    for (BenchCase c : BenchCase.values()) {
      Npy.Array feat = Npy.read(dir.resolve(c + "_feat.npy"));
      int[] s = feat.shape();
      FeatureMap map = FeatureMap.chw(feat.data(), s[0], s[1], s[2]).toLayout(layout);
      // HWC: what a caller pooling many boxes per map does (RoiAlign.prepare: channel blocks for the
      // vector kernels).
      if (layout == FeatureMap.Layout.HWC && RoiAlign.preferredLayout() == layout) {
        map = RoiAlign.prepare(map);
      }
      float[] boxes = Npy.read(dir.resolve(c + "_boxes.npy")).data();
      float[] expected = Npy.read(dir.resolve(c + "_out.npy")).data();
      float[] out = new float[expected.length];
      run(c, map, boxes, out);
      OutputCheck.assertClose(c + " " + layout, expected, out);
      String agreement = OutputCheck.describe(expected, out);
      expected = null;
      final FeatureMap timed = map;
      CpuTimes t = CpuTimes.measure(c.toString(), reps, () -> run(c, timed, boxes, out));
      System.out.printf("%s\t%s\t%s\tbest_ms=%.1f\tmedian_ms=%.1f\trois_per_s_best=%.0f"
          + "\trois_per_s_median=%.0f\tallocated_bytes_per_call=%d\t%s%n", c, layout,
          RoiAlign.kernelName(), t.bestMs(), t.medianMs(), c.rois() * 1000 / t.bestMs(),
          c.rois() * 1000 / t.medianMs(), t.allocatedBytesPerCall(), agreement);
    }
  }

  private static void run(BenchCase c, FeatureMap map, float[] boxes, float[] out) {
    if (c.pool) {
      RoiPool.forward(map, boxes, 0, c.rois, c.poolParams(), out, 0);
    } else {
      RoiAlign.forward(map, boxes, 0, c.rois, c.alignParams(), out, 0);
    }
  }
}
