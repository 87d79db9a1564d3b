package org.roifeatures.spark.parquet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.roifeatures.spark.SparkTestBase;
import org.roifeatures.spark.task.OutputRows;

/** An empty output written from the driver reads back like one written by Spark. */
class EmptyParquetOutputTest extends SparkTestBase {

  private static Path dir;

  @BeforeAll
  static void setUp() throws Exception {
    dir = tempDir("empty-output");
  }

  @AfterAll
  static void cleanup() throws Exception {
    deleteTree(dir);
  }

  @Test
  void readsBackAsSparksOwnEmptyOutput() throws Exception {
    StructType schema = new StructType(OutputRows.REJECT_SCHEMA.fields())
        .add("vec", DataTypes.BinaryType, true)
        .add("shape", DataTypes.createArrayType(DataTypes.IntegerType, false), true)
        .add("ts", DataTypes.TimestampType, true);
    String ours = dir.resolve("ours").toString();
    String sparks = dir.resolve("sparks").toString();
    assertTrue(EmptyParquetOutput.writeOnDriver(spark, ours, schema, SaveMode.ErrorIfExists));
    spark.createDataFrame(List.<Row>of(), schema).write().parquet(sparks);
    Dataset<Row> a = spark.read().parquet(ours);
    Dataset<Row> b = spark.read().parquet(sparks);
    assertEquals(b.schema(), a.schema());
    assertEquals(0, a.count());
    // Completion is the run's to mark (RunRecord), after all of its outputs.
    assertFalse(Files.exists(Path.of(ours, "_SUCCESS")));
    // Appending to it and reading both works as with any Spark output.
    spark.createDataFrame(List.of(org.apache.spark.sql.RowFactory.create("img", 1L, 0.0, 0.0, 1.0,
        1.0, null, null, "BAD", "x", null, null, null)), schema).write().mode(SaveMode.Append)
        .parquet(ours);
    assertEquals(1, spark.read().parquet(ours).count());
  }

  @Test
  void overwritesAnExistingOutputAndLeavesOtherModesToSpark() throws Exception {
    String path = dir.resolve("existing").toString();
    spark.range(5).write().parquet(path);
    assertFalse(EmptyParquetOutput.writeOnDriver(spark, path, OutputRows.REJECT_SCHEMA,
        SaveMode.ErrorIfExists), "an existing path in error mode is Spark's to refuse");
    assertThrows(Exception.class, () -> EmptyParquetOutput.write(spark, path,
        OutputRows.REJECT_SCHEMA, SaveMode.ErrorIfExists));
    EmptyParquetOutput.write(spark, path, OutputRows.REJECT_SCHEMA, SaveMode.Overwrite);
    Dataset<Row> back = spark.read().parquet(path);
    assertEquals(0, back.count());
    assertEquals(List.of(OutputRows.REJECT_SCHEMA.fieldNames()), List.of(back.schema().fieldNames()));
  }
}
