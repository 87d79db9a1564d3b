package org.roifeatures.spark.task;

import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.roifeatures.spark.io.MapEntry;

/**
 * One image's unit of work after the join: its id, its valid proposals and its map index entries
 * (null when the image has no maps). Field positions of the Spark row, in one place.
 */
public final class WorkRow {

  public static final StructType ROI = new StructType()
      .add("roi_id", DataTypes.LongType, true)
      .add("x1", DataTypes.DoubleType, true)
      .add("y1", DataTypes.DoubleType, true)
      .add("x2", DataTypes.DoubleType, true)
      .add("y2", DataTypes.DoubleType, true)
      .add("score", DataTypes.DoubleType, true)
      .add("label", DataTypes.IntegerType, true)
      .add("angle", DataTypes.DoubleType, true);

  public static final StructType SCHEMA = new StructType()
      .add("image_id", DataTypes.StringType, true)
      .add("rois", new ArrayType(ROI, false), true)
      .add("maps", new ArrayType(MapEntry.SCHEMA, false), true);

  static final int IMAGE_ID = 0;
  static final int ROIS = 1;
  static final int MAPS = 2;

  private WorkRow() {}

  static String imageId(Row r) {
    return r.getString(IMAGE_ID);
  }

  static List<Row> rois(Row r) {
    return r.isNullAt(ROIS) ? List.of() : r.getList(ROIS);
  }

  static List<Row> maps(Row r) {
    return r.isNullAt(MAPS) ? null : r.getList(MAPS);
  }

  /** Box coordinates of all RoIs as a flat float array (validated finite float32 upstream). */
  static float[] boxes(List<Row> rois) {
    float[] b = new float[rois.size() * 4];
    for (int i = 0; i < rois.size(); i++) {
      Row r = rois.get(i);
      for (int k = 0; k < 4; k++) {
        b[4 * i + k] = (float) r.getDouble(1 + k);
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
      double x1 = r.getDouble(1);
      double y1 = r.getDouble(2);
      double x2 = r.getDouble(3);
      double y2 = r.getDouble(4);
      b[5 * i] = (float) ((x1 + x2) / 2);
      b[5 * i + 1] = (float) ((y1 + y2) / 2);
      b[5 * i + 2] = (float) (x2 - x1);
      b[5 * i + 3] = (float) (y2 - y1);
      b[5 * i + 4] = r.isNullAt(ANGLE) ? 0f : (float) r.getDouble(ANGLE);
    }
    return b;
  }

  /** Position of {@code angle} in the {@link #ROI} struct. */
  static final int ANGLE = 7;
}
