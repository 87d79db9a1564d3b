package org.roifeatures.spark;

import java.util.Locale;

/** The operators the job can run, by their torchvision names. */
public enum RoiOp {
  ROI_ALIGN, ROI_POOL, PS_ROI_ALIGN, PS_ROI_POOL, MULTISCALE_ROI_ALIGN,
  /** detectron2 ROIAlignRotated: the proposal box rotated about its centre by its {@code angle}. */
  ROI_ALIGN_ROTATED;

  /** The configuration name, e.g. {@code roi_align}. */
  public String configName() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static RoiOp parse(String name) {
    for (RoiOp op : values()) {
      if (op.configName().equalsIgnoreCase(name.trim())) {
        return op;
      }
    }
    throw new IllegalArgumentException("option op must be one of roi_align | roi_pool | "
        + "ps_roi_align | ps_roi_pool | multiscale_roi_align | roi_align_rotated, got '" + name + "'");
  }

  public boolean positionSensitive() {
    return this == PS_ROI_ALIGN || this == PS_ROI_POOL;
  }

  public boolean usesAlignSampling() {
    return this == ROI_ALIGN || this == PS_ROI_ALIGN || this == MULTISCALE_ROI_ALIGN
        || this == ROI_ALIGN_ROTATED;
  }

  /**
   * True for the ops whose fast kernels read channels-last maps (RoI Align, RoI Pool, multi-scale,
   * rotated RoI Align): the task converts each image's maps once with {@code RoiAlign.prepare}
   * instead of letting every kernel call copy them. PS ops run the scalar kernels on CHW maps.
   */
  public boolean usesVectorKernels() {
    return this == ROI_ALIGN || this == ROI_POOL || this == MULTISCALE_ROI_ALIGN
        || this == ROI_ALIGN_ROTATED;
  }

  /** Floats per box the operator reads: 5 (cx, cy, w, h, angle) when rotated, else 4 (x1..y2). */
  public int boxFields() {
    return this == ROI_ALIGN_ROTATED ? 5 : 4;
  }
}
