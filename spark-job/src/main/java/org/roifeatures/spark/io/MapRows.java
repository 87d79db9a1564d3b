package org.roifeatures.spark.io;

import static org.apache.spark.sql.functions.col;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Feature maps given as rows (the API's maps {@code Dataset<Row>}, e.g. produced upstream in the same
 * Spark application) in the documented maps schema, read as Parquet map files are ({@link
 * MapColumns}: same columns, same checks). Unlike files they cannot be read later by the task that
 * pools an image, so their entries carry the bytes ({@link #entries}); the driver's facts come from
 * the small columns alone ({@link #index}). Rows without an image id belong to no image and are
 * left out.
 */
public final class MapRows {

  private MapRows() {}

  /** The maps format these entries report ({@code roi_features.maps_format}). */
  public static final String FORMAT = "rows";

  /** An entry with its bytes: image id and {@link MapEntry#SCHEMA_WITH_DATA}. */
  public static final StructType ENTRY_ROW = new StructType()
      .add("image_id", DataTypes.StringType, false)
      .add("map", MapEntry.SCHEMA_WITH_DATA, false);

  private static final String WHAT = "the maps Dataset";

  /**
   * The index of the maps without their data ({@link MapEntry#INDEX_ROW}), for the driver's facts:
   * only the small columns are selected, so a columnar source upstream is not read for the data.
   */
  public static Dataset<Row> index(Dataset<Row> maps) {
    return entries(maps, false, MapEntry.INDEX_ROW);
  }

  /** One {@link #ENTRY_ROW} per map, its bytes in the entry. */
  public static Dataset<Row> entries(Dataset<Row> maps) {
    return entries(maps, true, ENTRY_ROW);
  }

  private static Dataset<Row> entries(Dataset<Row> maps, boolean withData, StructType schema) {
    List<String> names = Arrays.asList(maps.columns());
    MapColumns.require(names, WHAT);
    DataType data = maps.schema().apply("data").dataType();
    if (!data.equals(DataTypes.BinaryType)) {
      throw new InputException(WHAT + "'s 'data' column must be binary (C*H*W little-endian "
          + "values of its dtype), not " + data.simpleString());
    }
    List<Column> columns = new ArrayList<>(Arrays.asList(MapColumns.small(names)));
    if (withData) {
      columns.add(col("data"));
    }
    Dataset<Row> small = maps.select(columns.toArray(Column[]::new))
        .filter(col("image_id").isNotNull());
    // Streaming, one map at a time: a partition's maps are never held together.
    return small.mapPartitions((MapPartitionsFunction<Row, Row>) rows -> new Iterator<Row>() {
      @Override
      public boolean hasNext() {
        return rows.hasNext();
      }

      @Override
      public Row next() {
        Row r = rows.next();
        String image = r.getString(MapColumns.IMAGE_ID);
        byte[] bytes = withData && !r.isNullAt(MapColumns.COUNT)
            ? (byte[]) r.get(MapColumns.COUNT) : null;
        MapEntry e = MapColumns.entry(r, FORMAT, image, -1, MapEntry.CHW, bytes);
        return RowFactory.create(image, withData ? e.toRowWithData() : e.toRow());
      }
    }, Encoders.row(schema));
  }
}
