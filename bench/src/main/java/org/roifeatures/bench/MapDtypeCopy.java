package org.roifeatures.bench;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.spark.api.java.function.MapFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.roifeatures.ops.HalfPrecision;

/**
 * The job benchmark's maps in a 16-bit dtype: a copy of a generated {@code maps_parquet} whose
 * {@code data} blobs hold float16 or bfloat16 values (rounded to nearest even) and whose {@code
 * dtype} column says so, as a backbone's {@code feat.half()} maps would be stored. Made once per
 * data set, beside the float32 maps, so the two are timed on the same images and proposals.
 */
final class MapDtypeCopy {

  private MapDtypeCopy() {}

  /** The maps directory of {@code data} for {@code dtype}: the generated one for float32. */
  static Path maps(SparkSession spark, Path data, String dtype) {
    Path float32 = data.resolve("maps_parquet");
    if (dtype.equals("float32")) {
      return float32;
    }
    if (!dtype.equals("float16") && !dtype.equals("bfloat16")) {
      throw new IllegalArgumentException("--map-dtype must be float32, float16 or bfloat16, got '"
          + dtype + "'");
    }
    Path copy = data.resolve("maps_parquet_" + dtype);
    if (Files.exists(copy.resolve("_SUCCESS"))) {
      return copy;
    }
    Dataset<Row> maps = spark.read().parquet(float32.toString());
    StructType schema = maps.schema().add("dtype", DataTypes.StringType, false);
    int dataField = maps.schema().fieldIndex("data");
    boolean bfloat = dtype.equals("bfloat16");
    maps.map((MapFunction<Row, Row>) r -> {
      Object[] values = new Object[r.size() + 1];
      for (int i = 0; i < r.size(); i++) {
        values[i] = r.get(i);
      }
      values[dataField] = narrow((byte[]) r.get(dataField), bfloat);
      values[r.size()] = dtype;
      return RowFactory.create(values);
    }, Encoders.row(schema)).write().mode(SaveMode.Overwrite)
        .option("parquet.enable.dictionary", "false").parquet(copy.toString());
    return copy;
  }

  /** float32 little-endian bytes as float16 (or bfloat16) little-endian bytes. */
  private static byte[] narrow(byte[] float32, boolean bfloat) {
    int n = float32.length / 4;
    float[] values = new float[n];
    ByteBuffer.wrap(float32).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values);
    byte[] out = new byte[2 * n];
    if (bfloat) {
      HalfPrecision.encodeBfloat16(values, 0, n, out, 0);
    } else {
      HalfPrecision.encodeFloat16(values, 0, n, out, 0);
    }
    return out;
  }
}
