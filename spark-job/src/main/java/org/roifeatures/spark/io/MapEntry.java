package org.roifeatures.spark.io;

import java.io.Serializable;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Where one feature map (one image, one level) lives and what shape it claims, without its data: a
 * row of the map index that is joined with the proposals. The data is read only by the task that
 * pools the image. Maps given as rows ({@link MapRows}, source "rows") are the exception: they live
 * nowhere else, so their entry carries the bytes ({@code data}) through the one shuffle.
 *
 * @param level        level name, "" when the input has no levels
 * @param source       "parquet", "arrow", "npy", "safetensors" or "rows"
 * @param path         file holding the map; for "rows", the image id (there is no file)
 * @param batch        Arrow record batch index (−1 otherwise)
 * @param row          row within the Parquet file or Arrow batch (−1 for .npy)
 * @param channels     C (−1 when unknown)
 * @param height       H (−1 when unknown)
 * @param width        W (−1 when unknown)
 * @param spatialScale map cells per image pixel (NaN when the input does not say)
 * @param problem      null, or why this map cannot be used (found while indexing)
 * @param dtype        how Parquet/Arrow values are stored: float32, float16 or bfloat16 (a
 *                     {@code dtype} column; absent = float32); .npy and safetensors files say it
 *                     in their own headers
 * @param layout       the order of the values: {@link #CHW} (channels first) or {@link #HWC}
 *                     (channels last), as {@code maps.layout} says
 * @param data         the map's bytes for source "rows" (C·H·W values of {@code dtype},
 *                     little-endian; null when the row had none), else null: files are read by
 *                     {@link MapLoader}
 */
public record MapEntry(String level, String source, String path, int batch, long row,
    int channels, int height, int width, double spatialScale, String problem, String dtype,
    String layout, byte[] data) implements Serializable {

  /** Channels first: C, H, W (PyTorch's default). */
  public static final String CHW = "chw";
  /** Channels last: H, W, C (TensorFlow's default, PyTorch's channels_last). */
  public static final String HWC = "hwc";

  /** A map that lives in a file. */
  public MapEntry(String level, String source, String path, int batch, long row, int channels,
      int height, int width, double spatialScale, String problem, String dtype, String layout) {
    this(level, source, path, batch, row, channels, height, width, spatialScale, problem, dtype,
        layout, null);
  }

  /** A channels-first map that lives in a file. */
  public MapEntry(String level, String source, String path, int batch, long row, int channels,
      int height, int width, double spatialScale, String problem, String dtype) {
    this(level, source, path, batch, row, channels, height, width, spatialScale, problem, dtype,
        CHW);
  }

  /** Whether the values are channels last. */
  public boolean channelsLast() {
    return HWC.equals(layout);
  }

  /** A float32 map. */
  public MapEntry(String level, String source, String path, int batch, long row, int channels,
      int height, int width, double spatialScale, String problem) {
    this(level, source, path, batch, row, channels, height, width, spatialScale, problem,
        MapDtype.FLOAT32);
  }

  /** Schema of one index entry, nested under the index row's {@code maps} array. */
  public static final StructType SCHEMA = new StructType()
      .add("level", DataTypes.StringType, false)
      .add("source", DataTypes.StringType, false)
      .add("path", DataTypes.StringType, false)
      .add("batch", DataTypes.IntegerType, false)
      .add("row", DataTypes.LongType, false)
      .add("channels", DataTypes.IntegerType, false)
      .add("height", DataTypes.IntegerType, false)
      .add("width", DataTypes.IntegerType, false)
      .add("spatial_scale", DataTypes.DoubleType, false)
      .add("problem", DataTypes.StringType, true)
      .add("dtype", DataTypes.StringType, false)
      .add("layout", DataTypes.StringType, false);

  /**
   * Schema of an entry with its bytes (maps given as rows): {@link #SCHEMA} and {@code data}. Only
   * that path uses it, so index rows of files carry no extra field.
   */
  public static final StructType SCHEMA_WITH_DATA = SCHEMA.add("data", DataTypes.BinaryType, true);

  /** Schema of a flat index row: image_id plus the entry's fields. */
  public static final StructType INDEX_ROW = new StructType()
      .add("image_id", DataTypes.StringType, true)
      .add("map", SCHEMA, false);

  /** A row of {@link #SCHEMA} (the data, if any, left out). */
  public Row toRow() {
    return RowFactory.create(level, source, path, batch, row, channels, height, width,
        spatialScale, problem, dtype, layout);
  }

  /** A row of {@link #SCHEMA_WITH_DATA}. */
  public Row toRowWithData() {
    return RowFactory.create(level, source, path, batch, row, channels, height, width,
        spatialScale, problem, dtype, layout, data);
  }

  /** The entry of a {@link #SCHEMA} or {@link #SCHEMA_WITH_DATA} row. */
  public static MapEntry fromRow(Row r) {
    byte[] bytes = r.length() > DATA && !r.isNullAt(DATA) ? (byte[]) r.get(DATA) : null;
    return new MapEntry(r.getString(0), r.getString(1), r.getString(2), r.getInt(3), r.getLong(4),
        r.getInt(5), r.getInt(6), r.getInt(7), r.getDouble(8), r.isNullAt(9) ? null : r.getString(9),
        r.getString(10), r.getString(11), bytes);
  }

  private static final int DATA = SCHEMA.size();

  /** A copy carrying a problem. */
  public MapEntry withProblem(String newProblem) {
    return new MapEntry(level, source, path, batch, row, channels, height, width, spatialScale,
        newProblem, dtype, layout, data);
  }

  /** A copy with a spatial scale (from the config) when the input had none. */
  public MapEntry withScale(double scale) {
    return new MapEntry(level, source, path, batch, row, channels, height, width, scale, problem,
        dtype, layout, data);
  }

  /** A copy whose values are in {@code newLayout} ({@link #CHW} or {@link #HWC}). */
  public MapEntry withLayout(String newLayout) {
    return new MapEntry(level, source, path, batch, row, channels, height, width, spatialScale,
        problem, dtype, newLayout, data);
  }

  /**
   * Describes the location for error messages: file, and batch/row where relevant; for maps given
   * as rows, the image and level (there is no file).
   */
  public String location() {
    if (source.equals("rows")) {
      return "image " + path + " level '" + level + "' of the maps Dataset";
    }
    if (source.equals("arrow")) {
      return path + " (batch " + batch + ", row " + row + ")";
    }
    if (source.equals("parquet")) {
      return path + " (row " + row + ")";
    }
    return path;
  }
}
