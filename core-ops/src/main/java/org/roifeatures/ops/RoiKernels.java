package org.roifeatures.ops;

/**
 * The computational kernels behind the operator facades. Arguments arrive already validated; an
 * implementation only computes. Implementations hold no mutable state and are thread-safe.
 */
interface RoiKernels {

  /** RoI Align of {@code numBoxes} boxes: writes C·PH·PW floats per box at {@code out[outOffset..]}. */
  void roiAlign(FeatureMap map, float[] boxes, int boxOffset, int numBoxes, RoiAlignParams params,
      float[] out, int outOffset);

  /** RoI Pool (max over quantised bins): writes C·PH·PW floats per box. */
  void roiPool(FeatureMap map, float[] boxes, int boxOffset, int numBoxes, RoiPoolParams params,
      float[] out, int outOffset);

  /**
   * Rotated RoI Align (detectron2 {@code ROIAlignRotated}): boxes are 5 floats each (cx, cy, w, h,
   * angle in degrees), already validated; writes C·PH·PW floats per box.
   */
  void roiAlignRotated(FeatureMap map, float[] boxes, int boxOffset, int numBoxes,
      RoiAlignParams params, float[] out, int outOffset);

  /** Position-sensitive RoI Align: writes (C/(PH·PW))·PH·PW floats per box. */
  void psRoiAlign(FeatureMap map, float[] boxes, int boxOffset, int numBoxes, RoiAlignParams params,
      float[] out, int outOffset);

  /** Position-sensitive RoI Pool (average over quantised bins): writes (C/(PH·PW))·PH·PW floats per box. */
  void psRoiPool(FeatureMap map, float[] boxes, int boxOffset, int numBoxes, RoiPoolParams params,
      float[] out, int outOffset);

  /**
   * {@code map} as these kernels read it fastest when pooling many boxes from it (see {@link
   * RoiAlign#prepare(FeatureMap, float[])}): the map itself when it is so already, else a copy,
   * written into {@code reuse} when the kernels' form can use it.
   */
  FeatureMap prepare(FeatureMap map, float[] reuse);

  /** Short name for logs and benchmark reports, e.g. "scalar" or "panama-256". */
  String name();
}
