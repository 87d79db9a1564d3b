package org.roifeatures.spark.parquet;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.util.HadoopOutputFile;
import org.apache.parquet.schema.MessageType;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.execution.datasources.parquet.SparkToParquetSchemaConverter;
import org.apache.spark.sql.types.StructType;

/**
 * Writes an output of no rows, with its schema, from the driver: one Parquet file without row groups
 * whose footer carries the Spark schema (as Spark's writer stores it, so {@code spark.read()} gives
 * back the same columns and types), without a {@code _SUCCESS} marker (the run marks completion
 * of all its outputs at its end, see {@code RunRecord}). Writing an empty DataFrame
 * through Spark plans a query and runs a one-task job for the same file (0.1–0.2 s on a small run,
 * which a job without rejects would otherwise spend on nothing).
 *
 * <p>Only for a path that does not exist or is to be overwritten; anything else (and a session that
 * is not a classic one) goes through Spark's writer.
 */
public final class EmptyParquetOutput {

  /** Footer key under which Spark's Parquet writer stores the Spark schema. */
  static final String SPARK_SCHEMA_KEY = "org.apache.spark.sql.parquet.row.metadata";
  static final String SPARK_VERSION_KEY = "org.apache.spark.version";

  private EmptyParquetOutput() {}

  public static void write(SparkSession spark, String path, StructType schema, SaveMode mode) {
    try {
      if (!writeOnDriver(spark, path, schema, mode)) {
        spark.createDataFrame(java.util.List.of(), schema).write().mode(mode)
            .option("compression", "snappy")
            .option("mapreduce.fileoutputcommitter.marksuccessfuljobs", "false").parquet(path);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the empty output " + path + ": " + e.getMessage(), e);
    }
  }

  /** True when written here; false when Spark's writer should do it. */
  static boolean writeOnDriver(SparkSession spark, String path, StructType schema, SaveMode mode)
      throws IOException {
    if (!(spark instanceof org.apache.spark.sql.classic.SparkSession classic)) {
      return false;
    }
    // The session's Hadoop settings, as Spark's writer uses them.
    Configuration conf = classic.sessionState().newHadoopConf();
    Path dir = new Path(path);
    FileSystem fs = dir.getFileSystem(conf);
    if (fs.exists(dir)) {
      if (mode != SaveMode.Overwrite) {
        return false; // Spark's writer reports (or ignores) an existing path in its own words
      }
      if (!fs.delete(dir, true)) {
        throw new IOException("cannot delete the existing output " + dir);
      }
    }
    if (!fs.mkdirs(dir)) {
      throw new IOException("cannot create " + dir);
    }
    MessageType type = new SparkToParquetSchemaConverter(classic.sessionState().conf()).convert(schema);
    Path file = new Path(dir, "part-00000-" + UUID.randomUUID() + "-c000.snappy.parquet");
    ParquetFileWriter writer = new ParquetFileWriter(HadoopOutputFile.fromPath(file, conf), type,
        ParquetFileWriter.Mode.CREATE, org.apache.parquet.hadoop.ParquetWriter.DEFAULT_BLOCK_SIZE, 0);
    writer.start();
    writer.end(Map.of(SPARK_SCHEMA_KEY, schema.json(), SPARK_VERSION_KEY, spark.version()));
    return true;
  }
}
