package org.roifeatures.spark.io;

import static org.apache.spark.sql.functions.col;

import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;

/**
 * The documented maps schema (README "Inputs": {@code image_id, level, channels, height, width,
 * spatial_scale | stride, data, dtype}), read the same way from Parquet map files ({@link MapIndex})
 * and from maps given as rows ({@link MapRows}): the same required columns, the same types, the same
 * checks of each map's claimed shape and dtype, so a map is the same entry whichever way it came.
 */
final class MapColumns {

  private MapColumns() {}

  static final List<String> REQUIRED = List.of("image_id", "channels", "height", "width", "data");

  /** Fields of {@link #small}'s rows, in this order. */
  static final int IMAGE_ID = 0;
  static final int LEVEL = 1;
  static final int CHANNELS = 2;
  static final int SCALE = 5;
  static final int DTYPE = 6;
  /** How many columns {@link #small} selects; a caller's own columns follow them. */
  static final int COUNT = 7;

  /**
   * Throws when a required column is missing, naming it and the columns there are.
   *
   * @param what the maps, for the message: "feature maps at /path", "the maps Dataset"
   */
  static void require(List<String> names, String what) {
    for (String required : REQUIRED) {
      if (!names.contains(required)) {
        throw new InputException(what + " have no '" + required + "' column (columns: " + names
            + ")");
      }
    }
  }

  /**
   * The small columns, typed: image_id and level (string), channels, height, width (long), the
   * spatial scale (double: {@code spatial_scale}, or 1/{@code stride}) and dtype (string); an
   * optional column that is absent is null.
   */
  static Column[] small(List<String> names) {
    Column level = names.contains("level") ? col("level").cast("string")
        : functions.lit(null).cast("string");
    Column scale = names.contains("spatial_scale") ? col("spatial_scale").cast("double")
        : names.contains("stride") ? functions.lit(1.0).divide(col("stride").cast("double"))
        : functions.lit(null).cast("double");
    Column dtype = names.contains("dtype") ? col("dtype").cast("string")
        : functions.lit(null).cast("string");
    return new Column[] {col("image_id").cast("string"), level, col("channels").cast("long"),
        col("height").cast("long"), col("width").cast("long"), scale, dtype};
  }

  /**
   * The entry of a row that starts with {@link #small}'s columns: its claimed shape and dtype
   * checked (a problem names the bad value; the image is rejected for it), the dtype canonical.
   */
  static MapEntry entry(Row r, String source, String path, long row, String layout, byte[] data) {
    long c = r.isNullAt(CHANNELS) ? -1 : r.getLong(CHANNELS);
    long h = r.isNullAt(CHANNELS + 1) ? -1 : r.getLong(CHANNELS + 1);
    long w = r.isNullAt(CHANNELS + 2) ? -1 : r.getLong(CHANNELS + 2);
    double s = r.isNullAt(SCALE) ? Double.NaN : r.getDouble(SCALE);
    String given = r.isNullAt(DTYPE) ? null : r.getString(DTYPE);
    String dtype = MapDtype.canonical(given);
    String problem = dtype != null ? ShapeCheck.problem(c, h, w)
        : "unreadable map: dtype '" + given + "' is not float32, float16 or bfloat16";
    return new MapEntry(r.isNullAt(LEVEL) ? "" : r.getString(LEVEL), source, path, -1, row,
        ShapeCheck.toInt(c), ShapeCheck.toInt(h), ShapeCheck.toInt(w), s, problem,
        dtype == null ? MapDtype.FLOAT32 : dtype, layout, data);
  }
}
