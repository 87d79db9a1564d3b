package org.roifeatures.ops;

import java.util.Arrays;

/**
 * RoI Align over a feature pyramid ({@code torchvision.ops.MultiScaleRoIAlign}): each box is assigned
 * one level by a {@link LevelMapper} and pooled from that level's map with that level's spatial scale.
 * Boxes without a defined level (inverted boxes) get a zero row and level −1, as in torchvision.
 * With a single level every box is pooled from it (level 0), without asking the mapper: torchvision,
 * detectron2 and mmdetection all bypass level assignment then, so an inverted box gets the plain RoI
 * Align row rather than zeros. {@link #of(Semantics, double[], int, int)} builds the operator in one
 * framework's convention.
 *
 * <p>Immutable and thread-safe.
 */
public final class MultiScaleRoiAlign {

  private static final RoiKernels KERNELS = RoiKernelsProvider.get();

  private final double[] scales;
  private final LevelMapper mapper;
  private final RoiAlignParams params;

  /**
   * @param scales per-level spatial scales, finest first (e.g. 1/4, 1/8, 1/16, 1/32)
   * @param mapper level assignment; must map to exactly {@code scales.length} levels
   * @param params pooled size, sampling ratio, aligned flag and mode; its spatial scale is ignored
   */
  public MultiScaleRoiAlign(double[] scales, LevelMapper mapper, RoiAlignParams params) {
    Checks.notNull(scales, "scales");
    Checks.notNull(mapper, "level mapper");
    Checks.notNull(params, "params");
    if (scales.length == 0) {
      throw new IllegalArgumentException("multi-scale RoI Align needs at least one level");
    }
    for (int i = 0; i < scales.length; i++) {
      if (!(scales[i] > 0) || Double.isInfinite(scales[i])) {
        throw new IllegalArgumentException("scale of level " + i + " must be finite and > 0, got "
            + scales[i]);
      }
    }
    if (mapper.levels() != scales.length) {
      throw new IllegalArgumentException("level mapper assigns " + mapper.levels()
          + " levels but " + scales.length + " scales were given");
    }
    this.scales = scales.clone();
    this.mapper = mapper;
    this.params = params;
  }

  /** torchvision's setup: levels from the finest and coarsest scale, canonical 224 / level 4. */
  public static MultiScaleRoiAlign torchvision(double[] scales, RoiAlignParams params) {
    Checks.notNull(scales, "scales");
    if (scales.length == 0) {
      throw new IllegalArgumentException("multi-scale RoI Align needs at least one level");
    }
    int kMin = LevelMapper.levelOfScale(scales[0]);
    int kMax = LevelMapper.levelOfScale(scales[scales.length - 1]);
    return new MultiScaleRoiAlign(scales, LevelMapper.torchvision(kMin, kMax), params);
  }

  /**
   * Multi-scale RoI Align in a framework's convention: that framework's level mapper for these scales,
   * and its offset, size clamp and sampling ratio; average pooling.
   *
   * @param semantics a preset such as {@link Semantics#DETECTRON2}, possibly with knobs changed
   * @param scales    per-level spatial scales, finest first
   */
  public static MultiScaleRoiAlign of(Semantics semantics, double[] scales, int pooledHeight,
      int pooledWidth) {
    return of(semantics, scales, pooledHeight, pooledWidth, PoolingMode.AVG);
  }

  /** As {@link #of(Semantics, double[], int, int)} with an explicit pooling mode. */
  public static MultiScaleRoiAlign of(Semantics semantics, double[] scales, int pooledHeight,
      int pooledWidth, PoolingMode mode) {
    Checks.notNull(semantics, "semantics");
    return new MultiScaleRoiAlign(scales, semantics.levelMapper(scales),
        semantics.roiAlignParams(pooledHeight, pooledWidth, 1.0, mode));
  }

  public int levels() {
    return scales.length;
  }

  public LevelMapper mapper() {
    return mapper;
  }

  /** Floats per box: C·PH·PW. */
  public int rowLength(int channels) {
    return (int) Checks.rowLength(channels, params.pooledHeight(), params.pooledWidth());
  }

  /**
   * Pools {@code numBoxes} boxes.
   *
   * @param maps      one map per level, finest first, all with the same channel count (not modified)
   * @param out       receives one C·PH·PW row per box, in box order (modified)
   * @param levelOut  if not null, receives each box's level index or −1 at {@code levelOffset}
   *                  (modified)
   */
  public void forward(FeatureMap[] maps, float[] boxes, int boxOffset, int numBoxes, float[] out,
      int outOffset, int[] levelOut, int levelOffset) {
    Checks.notNull(maps, "maps");
    if (maps.length != scales.length) {
      throw new IllegalArgumentException(maps.length + " maps given for " + scales.length
          + " levels");
    }
    for (int i = 0; i < maps.length; i++) {
      Checks.notNull(maps[i], "map of level " + i);
      if (maps[i].channels() != maps[0].channels()) {
        throw new IllegalArgumentException("map of level " + i + " has " + maps[i].channels()
            + " channels, level 0 has " + maps[0].channels());
      }
    }
    Checks.boxes(boxes, boxOffset, numBoxes);
    int row = rowLength(maps[0].channels());
    Checks.output(out, outOffset, numBoxes, row);
    if (levelOut != null && (levelOffset < 0 || levelOffset + (long) numBoxes > levelOut.length)) {
      throw new IllegalArgumentException("levelOut too small: need " + numBoxes
          + " ints from offset " + levelOffset + ", have " + levelOut.length);
    }

    int[] level = new int[numBoxes];
    int[] perLevel = new int[scales.length];
    for (int b = 0; b < numBoxes; b++) {
      int o = boxOffset + 4 * b;
      level[b] = scales.length == 1 ? 0
          : mapper.level(boxes[o], boxes[o + 1], boxes[o + 2], boxes[o + 3]);
      if (level[b] >= 0) {
        perLevel[level[b]]++;
      } else {
        Arrays.fill(out, outOffset + b * row, outOffset + (b + 1) * row, 0f);
      }
    }
    if (levelOut != null) {
      System.arraycopy(level, 0, levelOut, levelOffset, numBoxes);
    }
    for (int l = 0; l < scales.length; l++) {
      int count = perLevel[l];
      if (count == 0) {
        continue;
      }
      RoiAlignParams levelParams = params.withSpatialScale(scales[l]);
      if (count == numBoxes) {
        // Every box on one level: pool straight into the caller's buffer.
        KERNELS.roiAlign(maps[l], boxes, boxOffset, numBoxes, levelParams, out, outOffset);
      } else if (maps[l].layout() == FeatureMap.Layout.HWC) {
        poolRuns(maps[l], boxes, boxOffset, numBoxes, level, l, levelParams, out, outOffset, row);
      } else {
        poolGathered(maps[l], boxes, boxOffset, numBoxes, level, l, count, levelParams, out,
            outOffset, row);
      }
    }
  }

  /**
   * Each run of consecutive boxes on level {@code l} pooled straight into its rows: no copies. For
   * channels-last maps, which the kernels read in place whatever the number of boxes per call.
   */
  private static void poolRuns(FeatureMap map, float[] boxes, int boxOffset, int numBoxes,
      int[] level, int l, RoiAlignParams params, float[] out, int outOffset, int row) {
    for (int b = 0; b < numBoxes; ) {
      if (level[b] != l) {
        b++;
        continue;
      }
      int end = b + 1;
      while (end < numBoxes && level[end] == l) {
        end++;
      }
      KERNELS.roiAlign(map, boxes, boxOffset + 4 * b, end - b, params, out, outOffset + b * row);
      b = end;
    }
  }

  /**
   * The level's boxes gathered, pooled in one call, and their rows scattered back in box order: a
   * CHW map is then copied to channels-last at most once for the level (the kernels decide per call
   * whether the copy pays), not once per run.
   */
  private static void poolGathered(FeatureMap map, float[] boxes, int boxOffset, int numBoxes,
      int[] level, int l, int count, RoiAlignParams params, float[] out, int outOffset, int row) {
    float[] levelBoxes = new float[4 * count];
    int[] index = new int[count];
    for (int b = 0, k = 0; b < numBoxes; b++) {
      if (level[b] == l) {
        System.arraycopy(boxes, boxOffset + 4 * b, levelBoxes, 4 * k, 4);
        index[k++] = b;
      }
    }
    float[] levelOutRows = new float[count * row];
    KERNELS.roiAlign(map, levelBoxes, 0, count, params, levelOutRows, 0);
    for (int k = 0; k < count; k++) {
      System.arraycopy(levelOutRows, k * row, out, outOffset + index[k] * row, row);
    }
  }
}
