package org.roifeatures.spark.task;

import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructType;
import org.roifeatures.spark.VectorFormat;

/** Schemas of the two outputs and the constructors of their rows. */
public final class OutputRows {

  private OutputRows() {}

  /** The features output: one row per pooled RoI. */
  public static StructType featureSchema(VectorFormat format, Metadata vectorMetadata,
      boolean rotated) {
    DataType vectorType = switch (format) {
      case BINARY -> DataTypes.BinaryType;
      case ARRAY -> new ArrayType(DataTypes.FloatType, false);
      case VECTOR -> SQLDataTypes.VectorType();
    };
    StructType schema = new StructType()
        .add("image_id", DataTypes.StringType, false)
        .add("roi_id", DataTypes.LongType, false)
        .add("x1", DataTypes.DoubleType, false)
        .add("y1", DataTypes.DoubleType, false)
        .add("x2", DataTypes.DoubleType, false)
        .add("y2", DataTypes.DoubleType, false)
        .add("score", DataTypes.DoubleType, true)
        .add("label", DataTypes.IntegerType, true)
        .add("level", DataTypes.StringType, true);
    if (rotated) {
      // Only rotated runs have an angle: other outputs keep the same schema as before.
      schema = schema.add("angle", DataTypes.DoubleType, false);
    }
    return schema.add("features", vectorType, false, vectorMetadata);
  }

  /** The rejects output: the proposal's keys (whatever could be read) plus reason and detail. */
  public static final StructType REJECT_SCHEMA = new StructType()
      .add("image_id", DataTypes.StringType, true)
      .add("roi_id", DataTypes.LongType, true)
      .add("x1", DataTypes.DoubleType, true)
      .add("y1", DataTypes.DoubleType, true)
      .add("x2", DataTypes.DoubleType, true)
      .add("y2", DataTypes.DoubleType, true)
      .add("score", DataTypes.DoubleType, true)
      .add("label", DataTypes.IntegerType, true)
      .add("reason", DataTypes.StringType, false)
      .add("detail", DataTypes.StringType, true);

  static Row feature(String imageId, Row roi, String level, Object vector, boolean rotated) {
    Double score = roi.isNullAt(5) ? null : roi.getDouble(5);
    Integer label = roi.isNullAt(6) ? null : roi.getInt(6);
    if (rotated) {
      return RowFactory.create(imageId, roi.getLong(0), roi.getDouble(1), roi.getDouble(2),
          roi.getDouble(3), roi.getDouble(4), score, label, level,
          roi.isNullAt(WorkRow.ANGLE) ? 0.0 : roi.getDouble(WorkRow.ANGLE), vector);
    }
    return RowFactory.create(imageId, roi.getLong(0), roi.getDouble(1), roi.getDouble(2),
        roi.getDouble(3), roi.getDouble(4), score, label, level, vector);
  }

  static Row reject(String imageId, Row roi, String reason, String detail) {
    return RowFactory.create(imageId, roi.get(0), roi.get(1), roi.get(2), roi.get(3), roi.get(4),
        roi.get(5), roi.get(6), reason, detail);
  }
}
