package org.roifeatures.spark.task;

import java.util.List;
import org.apache.spark.sql.Row;

/**
 * One proposal after the join: the columns of {@code Proposals.read} followed by its image's map
 * index entries ({@code maps}, null when the image has no maps). Field positions of the Spark row,
 * in one place; {@link #COLUMNS} is the order the job selects them in.
 */
public final class WorkRow {

  /** The work columns, in the order the job selects them; the positions below are derived from it. */
  public static final List<String> COLUMNS = List.of("image_id", "roi_id_given", "x1", "y1", "x2",
      "y2", "score", "label", "angle", "reason", "detail", "_order", "maps");

  static final int IMAGE_ID = COLUMNS.indexOf("image_id");
  static final int ROI_ID_GIVEN = COLUMNS.indexOf("roi_id_given");
  /** x1; y1, x2, y2 follow it. */
  static final int X1 = COLUMNS.indexOf("x1");
  static final int SCORE = COLUMNS.indexOf("score");
  static final int LABEL = COLUMNS.indexOf("label");
  static final int ANGLE = COLUMNS.indexOf("angle");
  static final int REASON = COLUMNS.indexOf("reason");
  static final int DETAIL = COLUMNS.indexOf("detail");
  static final int MAPS = COLUMNS.indexOf("maps");

  private WorkRow() {}

  static String imageId(Row r) {
    return r.getString(IMAGE_ID);
  }

  /** The roi_id column of the input, or null when the input has none (or this row's is null). */
  static Long givenRoiId(Row r) {
    return r.isNullAt(ROI_ID_GIVEN) ? null : r.getLong(ROI_ID_GIVEN);
  }

  /** The reason the per-row checks rejected this proposal, or null. */
  static String reason(Row r) {
    return r.getString(REASON);
  }

  static String detail(Row r) {
    return r.getString(DETAIL);
  }

  static List<Row> maps(Row r) {
    return r.isNullAt(MAPS) ? null : r.getList(MAPS);
  }

  /** Coordinate {@code k} (0..3 for x1, y1, x2, y2), null when it could not be read. */
  static Double coordinate(Row r, int k) {
    return r.isNullAt(X1 + k) ? null : r.getDouble(X1 + k);
  }

  static Double score(Row r) {
    return r.isNullAt(SCORE) ? null : r.getDouble(SCORE);
  }

  static Integer label(Row r) {
    return r.isNullAt(LABEL) ? null : r.getInt(LABEL);
  }

  /** Box coordinates of all RoIs as a flat float array (validated finite float32 upstream). */
  static float[] boxes(List<Row> rois) {
    float[] b = new float[rois.size() * 4];
    for (int i = 0; i < rois.size(); i++) {
      Row r = rois.get(i);
      for (int k = 0; k < 4; k++) {
        b[4 * i + k] = (float) r.getDouble(X1 + k);
      }
    }
    return b;
  }

  /**
   * Rotated boxes {@code cx, cy, w, h, angle} (5 floats each): the proposal's x1..y2 box turned about
   * its centre by its {@code angle} in degrees, counter-clockwise (0 when the column is absent).
   * Centre and size are computed in double from the double inputs, then rounded once to float.
   */
  static float[] rotatedBoxes(List<Row> rois) {
    float[] b = new float[rois.size() * 5];
    for (int i = 0; i < rois.size(); i++) {
      Row r = rois.get(i);
      double x1 = r.getDouble(X1);
      double y1 = r.getDouble(X1 + 1);
      double x2 = r.getDouble(X1 + 2);
      double y2 = r.getDouble(X1 + 3);
      b[5 * i] = (float) ((x1 + x2) / 2);
      b[5 * i + 1] = (float) ((y1 + y2) / 2);
      b[5 * i + 2] = (float) (x2 - x1);
      b[5 * i + 3] = (float) (y2 - y1);
      b[5 * i + 4] = r.isNullAt(ANGLE) ? 0f : (float) r.getDouble(ANGLE);
    }
    return b;
  }
}
