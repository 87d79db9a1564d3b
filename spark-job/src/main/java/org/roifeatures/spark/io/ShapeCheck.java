package org.roifeatures.spark.io;

/** Checks of claimed map dimensions, shared by the index builders and the loaders. */
final class ShapeCheck {

  private ShapeCheck() {}

  /** Null when C, H, W are usable, else a description naming the bad value. */
  static String problem(long c, long h, long w) {
    if (c <= 0 || h <= 0 || w <= 0) {
      return "map dimensions must be > 0, got C=" + c + " H=" + h + " W=" + w;
    }
    if (c * h * w > Integer.MAX_VALUE) {
      return "map C*H*W=" + (c * h * w) + " exceeds the 2^31 floats one map may hold";
    }
    return null;
  }

  static int toInt(long v) {
    return v > Integer.MAX_VALUE ? -1 : v < Integer.MIN_VALUE ? -1 : (int) v;
  }
}
