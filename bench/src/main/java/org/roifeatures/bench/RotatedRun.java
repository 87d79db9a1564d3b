package org.roifeatures.bench;

import java.util.Arrays;
import java.util.Random;
import org.roifeatures.ops.FeatureMap;
import org.roifeatures.ops.RoiAlign;
import org.roifeatures.ops.RoiAlignParams;
import org.roifeatures.ops.RoiAlignRotated;

/**
 * Rotated RoI Align (detectron2 {@code ROIAlignRotated}) timed by this thread's CPU time, on seeded
 * synthetic inputs shaped like the axis-aligned anchor cases: a 256-channel 50×68 map pooled 7×7 with
 * {@code sampling_ratio} 2 and 0 (FPN heads), and a 1024-channel map pooled 14×14 adaptively (C4
 * head); boxes of log-uniform size at uniform angles. There is no torchvision counterpart: the kernels
 * compare with themselves, vector against scalar (run it with and without the module), and every run
 * checks that the kernels in use give the scalar kernels' bits on the first boxes.
 *
 * <p>Usage: {@code java [--add-modules jdk.incubator.vector] -cp benchmarks.jar
 * org.roifeatures.bench.RotatedRun [REPS]}.
 */
public final class RotatedRun {

  private record Case(String name, int channels, int pooled, int samplingRatio, int rois) {}

  private static final Case[] CASES = {
      new Case("rotated_fpn_7x7_sr2", 256, 7, 2, 1000),
      new Case("rotated_fpn_7x7_adaptive", 256, 7, 0, 1000),
      new Case("rotated_c4_14x14_sr0", 1024, 14, 0, 256),
  };
  private static final int HEIGHT = 50;
  private static final int WIDTH = 68;
  private static final double SCALE = 1.0 / 16;

  private RotatedRun() {}

  public static void main(String[] args) {
    int reps = args.length > 0 ? Integer.parseInt(args[0]) : 10;
    for (Case c : CASES) {
      Random r = new Random(c.channels() * 31L + c.pooled());
      float[] data = new float[c.channels() * HEIGHT * WIDTH];
      for (int i = 0; i < data.length; i++) {
        data[i] = Math.max(0f, (float) r.nextGaussian()); // post-ReLU
      }
      FeatureMap chw = FeatureMap.chw(data, c.channels(), HEIGHT, WIDTH);
      FeatureMap map = RoiAlign.prepare(chw);
      float[] boxes = boxes(r, c.rois());
      RoiAlignParams p = RoiAlignRotated.params(c.pooled(), c.pooled(), SCALE, c.samplingRatio());
      float[] out = new float[c.rois() * RoiAlignRotated.rowLength(map, p)];
      checkAgainstScalarOrder(chw, map, boxes, p);
      CpuTimes t = CpuTimes.measure(c.name(), reps,
          () -> RoiAlignRotated.forward(map, boxes, 0, c.rois(), p, out, 0));
      System.out.printf("%s\t%s\tbest_ms=%.1f\tmedian_ms=%.1f\trois_per_s_best=%.0f"
          + "\tallocated_bytes_per_call=%d%n", c.name(), RoiAlign.kernelName(), t.bestMs(),
          t.medianMs(), c.rois() * 1000 / t.bestMs(), t.allocatedBytesPerCall());
    }
  }

  /** Boxes (cx, cy, w, h, degrees) in image pixels: centres on the map, sizes 16 px to 80%. */
  private static float[] boxes(Random r, int n) {
    double imageW = WIDTH / SCALE;
    double imageH = HEIGHT / SCALE;
    float[] b = new float[5 * n];
    for (int i = 0; i < n; i++) {
      b[5 * i] = (float) (r.nextDouble() * imageW);
      b[5 * i + 1] = (float) (r.nextDouble() * imageH);
      b[5 * i + 2] = (float) Math.exp(Math.log(16) + r.nextDouble() * Math.log(imageW * 0.8 / 16));
      b[5 * i + 3] = (float) Math.exp(Math.log(16) + r.nextDouble() * Math.log(imageH * 0.8 / 16));
      b[5 * i + 4] = (float) (r.nextDouble() * 360 - 180);
    }
    return b;
  }

  /**
   * The prepared map's results on a few boxes equal those on the CHW map given as one box per call
   * (too little work for the vector kernels' copy: the scalar kernels run it), bit for bit.
   */
  private static void checkAgainstScalarOrder(FeatureMap chw, FeatureMap map, float[] boxes,
      RoiAlignParams p) {
    int row = RoiAlignRotated.rowLength(map, p);
    float[] all = new float[8 * row];
    RoiAlignRotated.forward(map, boxes, 0, 8, p, all, 0);
    float[] one = new float[row];
    for (int b = 0; b < 8; b++) {
      RoiAlignRotated.forward(chw, boxes, 5 * b, 1, p, one, 0);
      if (!Arrays.equals(one, 0, row, all, b * row, (b + 1) * row)) {
        throw new IllegalStateException("box " + b + ": vector and scalar kernels differ");
      }
    }
  }
}
