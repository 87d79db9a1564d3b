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

  /** A feature row for the work row {@code proposal} with id {@code roiId}. */
  static Row feature(String imageId, Row proposal, long roiId, String level, Object vector,
      boolean rotated) {
    Double score = WorkRow.score(proposal);
    Integer label = WorkRow.label(proposal);
    int x = WorkRow.X1;
    if (rotated) {
      return RowFactory.create(imageId, roiId, proposal.getDouble(x), proposal.getDouble(x + 1),
          proposal.getDouble(x + 2), proposal.getDouble(x + 3), score, label, level,
          proposal.isNullAt(WorkRow.ANGLE) ? 0.0 : proposal.getDouble(WorkRow.ANGLE), vector);
    }
    return RowFactory.create(imageId, roiId, proposal.getDouble(x), proposal.getDouble(x + 1),
        proposal.getDouble(x + 2), proposal.getDouble(x + 3), score, label, level, vector);
  }

  /** A reject row for the work row {@code proposal}: whatever of its values could be read. */
  static Row reject(String imageId, Row proposal, Long roiId, String reason, String detail) {
    return RowFactory.create(imageId, roiId, WorkRow.coordinate(proposal, 0),
        WorkRow.coordinate(proposal, 1), WorkRow.coordinate(proposal, 2),
        WorkRow.coordinate(proposal, 3), WorkRow.score(proposal), WorkRow.label(proposal), reason,
        detail);
  }
}
