package org.roifeatures.spark;

/**
 * Why a proposal was not turned into a feature row. Written to the rejects output's {@code reason}
 * column; the {@code detail} column says which value or file was wrong.
 */
public enum RejectReason {
  /** The CSV/JSON record could not be parsed (bad number, wrong type); detail holds the record. */
  BAD_RECORD,
  /** image_id is null or empty. */
  MISSING_IMAGE_ID,
  /** A coordinate is missing, NaN, infinite or outside the float32 range. */
  NON_FINITE_BOX,
  /** roi_align_rotated: x2 < x1 or y2 < y1, or a size beyond float32 (no rotated box of that size). */
  BAD_ROTATED_BOX,
  /** The same (image_id, roi_id) appeared more than once; the first is kept. */
  DUPLICATE_ROI_ID,
  /** No feature map exists for the proposal's image. */
  NO_FEATURE_MAP,
  /** The image has no map for a level the op needs (or several levels and none chosen). */
  MISSING_LEVEL,
  /** The image has two maps for the same level. */
  DUPLICATE_FEATURE_MAP,
  /** Map dimensions are zero/negative/missing, the scale is unknown, or channels do not fit the op. */
  BAD_MAP_SHAPE,
  /** The map's channel count differs from the data set's (vectors must have one fixed length). */
  CHANNEL_MISMATCH,
  /** The map's data length is not C·H·W float32 values (a .npy holds more than its header's shape). */
  MAP_LENGTH_MISMATCH,
  /**
   * The map could not be read (missing file, corrupt or truncated .npy/Arrow/Parquet), or the image
   * has no map while some map file could not be indexed at all (it may have held the image's map).
   */
  MAP_UNREADABLE
}
