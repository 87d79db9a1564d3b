package org.roifeatures.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Arrays;
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

  /** More than the call's own parameter objects: a kernel that allocates per bin or per RoI. */
  private static final long ALLOCATION_WARNING_BYTES = 4096;

  private CpuTimeRun() {}

  public static void main(String[] args) throws Exception {
    Path dir = Paths.get(args.length > 0 ? args[0] : "/tmp/tv");
    int reps = args.length > 1 ? Integer.parseInt(args[1]) : 15;
    FeatureMap.Layout layout = FeatureMap.Layout.valueOf(args.length > 2 ? args[2] : "HWC");
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
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
      long[] cpu = new long[reps];
      long allocatedBefore = 0;
      for (int i = 0; i < 2 * reps; i++) {
        if (i == reps) {
          allocatedBefore = allocatedBytes(mx);
        }
        long t = mx.getCurrentThreadCpuTime();
        run(c, map, boxes, out);
        if (i >= reps) {
          cpu[i - reps] = mx.getCurrentThreadCpuTime() - t;
        }
      }
      // Printed so that a kernel allocating in its steady state shows: C2 boxes vectors when it
      // stops inlining a kernel's vector calls (its node limit), which costs up to 2-3x.
      long allocatedPerCall = (allocatedBytes(mx) - allocatedBefore) / reps;
      if (allocatedPerCall > ALLOCATION_WARNING_BYTES) {
        System.err.printf("WARNING: %s allocates %,d bytes per call in its steady state: vectors are"
            + " boxed somewhere (see README, Performance - kernels)%n", c, allocatedPerCall);
      }
      Arrays.sort(cpu);
      double best = cpu[0] / 1e6;
      double median = cpu[reps / 2] / 1e6;
      System.out.printf("%s\t%s\t%s\tbest_ms=%.1f\tmedian_ms=%.1f\trois_per_s_best=%.0f"
          + "\trois_per_s_median=%.0f\tallocated_bytes_per_call=%d\t%s%n", c, layout,
          RoiAlign.kernelName(), best, median, c.rois() * 1000 / best, c.rois() * 1000 / median,
          allocatedPerCall, agreement);
    }
  }

  /** This thread's allocated bytes, or 0 where the JVM does not count them. */
  private static long allocatedBytes(ThreadMXBean mx) {
    return mx instanceof com.sun.management.ThreadMXBean hs ? hs.getCurrentThreadAllocatedBytes() : 0;
  }

  private static void run(BenchCase c, FeatureMap map, float[] boxes, float[] out) {
    if (c.pool) {
      RoiPool.forward(map, boxes, 0, c.rois, c.poolParams(), out, 0);
    } else {
      RoiAlign.forward(map, boxes, 0, c.rois, c.alignParams(), out, 0);
    }
  }
}
