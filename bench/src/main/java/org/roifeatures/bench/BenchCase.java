package org.roifeatures.bench;

import org.roifeatures.ops.RoiAlignParams;
import org.roifeatures.ops.RoiPoolParams;

/**
 * The four cases of {@code shared/bench/tv_bench.py}, with its parameters (spatial scale 1/16). Names
 * match the files {@code tv_bench.py --save} writes: {@code <name>_feat.npy}, {@code _boxes.npy},
 * {@code _out.npy}.
 */
public enum BenchCase {
  fpn_p4_align_7x7_sr2(256, 1000, 7, 2, true, false),
  fpn_p4_align_7x7_adaptive(256, 1000, 7, -1, true, false),
  c4_align_14x14_sr0(1024, 512, 14, 0, false, false),
  vgg_pool_7x7(512, 1000, 7, 0, false, true);

  static final double SPATIAL_SCALE = 1.0 / 16;

  final int channels;
  final int rois;
  final int pooled;
  final int samplingRatio;
  final boolean aligned;
  final boolean pool;

  BenchCase(int channels, int rois, int pooled, int samplingRatio, boolean aligned, boolean pool) {
    this.channels = channels;
    this.rois = rois;
    this.pooled = pooled;
    this.samplingRatio = samplingRatio;
    this.aligned = aligned;
    this.pool = pool;
  }

  RoiAlignParams alignParams() {
    return RoiAlignParams.of(pooled, pooled, SPATIAL_SCALE, samplingRatio, aligned);
  }

  RoiPoolParams poolParams() {
    return new RoiPoolParams(pooled, pooled, SPATIAL_SCALE);
  }

  /** Number of RoIs of the case, to turn time per image into RoIs per second. */
  public int rois() {
    return rois;
  }
}
