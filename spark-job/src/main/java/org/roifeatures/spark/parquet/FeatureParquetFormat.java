package org.roifeatures.spark.parquet;

import java.io.IOException;
import java.io.UncheckedIOException;
import org.apache.hadoop.mapreduce.Job;
import org.apache.hadoop.mapreduce.TaskAttemptContext;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.execution.datasources.OutputWriter;
import org.apache.spark.sql.execution.datasources.OutputWriterFactory;
import org.apache.spark.sql.execution.datasources.parquet.ParquetFileFormat;
import org.apache.spark.sql.types.StructType;

/**
 * Spark's Parquet file format with a leaner writer for flat rows ({@link ParquetRowWriter}): use it as
 * {@code df.write().format(FeatureParquetFormat.class.getName())}. Everything else is Spark's: the
 * options and session settings (prepared by {@link ParquetFileFormat#prepareWrite}), the commit
 * protocol, file naming, partitioning, reading. Rows of other schemas (nested, decimal, timestamp,
 * …) and settings this writer does not implement (encryption, bloom filters, data page v2,
 * byte-stream-split) are written by Spark's own Parquet writer.
 */
public class FeatureParquetFormat extends ParquetFileFormat {

  @Override
  public OutputWriterFactory prepareWrite(SparkSession spark, Job job,
      scala.collection.immutable.Map<String, String> options, StructType dataSchema) {
    return new Factory(super.prepareWrite(spark, job, options, dataSchema), spark.version());
  }

  @Override
  public String toString() {
    return "Parquet (roi-features writer)";
  }

  /** Makes a {@link ParquetRowWriter} per part file, or Spark's writer when the schema needs it. */
  private static final class Factory extends OutputWriterFactory {
    private static final long serialVersionUID = 1L;
    private final OutputWriterFactory spark;
    private final String sparkVersion;

    Factory(OutputWriterFactory spark, String sparkVersion) {
      this.spark = spark;
      this.sparkVersion = sparkVersion;
    }

    @Override
    public String getFileExtension(TaskAttemptContext context) {
      return spark.getFileExtension(context);
    }

    @Override
    public OutputWriter newInstance(String path, StructType dataSchema, TaskAttemptContext context) {
      if (!ParquetRowWriter.supports(dataSchema, context.getConfiguration())) {
        return spark.newInstance(path, dataSchema, context);
      }
      try {
        return new ParquetRowWriter(path, dataSchema, context.getConfiguration(), sparkVersion);
      } catch (IOException e) {
        throw new UncheckedIOException("opening " + path, e);
      }
    }
  }
}
