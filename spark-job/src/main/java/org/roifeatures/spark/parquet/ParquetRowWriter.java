package org.roifeatures.spark.parquet;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.ParquetProperties;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetOutputFormat;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.schema.MessageType;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.execution.datasources.OutputWriter;
import org.apache.spark.sql.execution.datasources.parquet.SparkToParquetSchemaConverter;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Writes one Parquet part file of flat rows (int, long, float, double, string, binary and
 * {@code array<float>} columns) with Parquet's file writer, encoding the pages itself: each value is
 * copied once into its page, a full page is compressed once into a recycled array, and a complete row
 * group goes to the file. Spark's
 * own writer copies a 50 KB vector about six times on its way to the file (out of the row, into
 * Parquet's page buffers, into and out of the codec's direct buffers, into the row-group buffer) and
 * allocates most of those buffers afresh.
 *
 * <p>The file is what Spark's writer makes of the same rows: the schema converted by Spark's own
 * converter (with the session's settings), the same encodings, statistics as configured
 * ({@code parquet.column.statistics.enabled[#column]}), page checksums, column and offset indexes,
 * page and row-group sizes from {@code parquet.page.size}, {@code parquet.page.row.count.limit},
 * {@code parquet.block.size} and {@code parquet.block.row.count.limit}, and Spark's schema and
 * version in the footer. String columns are dictionary encoded as by Parquet's writer
 * ({@code parquet.enable.dictionary[#column]}, {@code parquet.dictionary.page.size}); other columns are
 * PLAIN (Parquet's writer would try a dictionary on them too, and keep it only when it pays).
 */
final class ParquetRowWriter extends OutputWriter {

  /** Footer keys Spark's writer sets and its reader uses to restore the exact Spark schema. */
  static final String SPARK_VERSION_KEY = "org.apache.spark.version";
  static final String SPARK_ROW_METADATA_KEY = "org.apache.spark.sql.parquet.row.metadata";
  /**
   * Footer key holding the {@code features} column's {@code roi_features.*} description as one JSON
   * object, where readers outside Spark find it directly (pyarrow's {@code schema.metadata}, DuckDB's
   * {@code parquet_kv_metadata}) instead of inside Spark's row-metadata JSON.
   */
  public static final String VECTOR_DESCRIPTION_KEY = "roi_features";

  private final String path;
  private final ParquetFileWriter file;
  private final ColumnChunkBuffer[] columns;
  private final PageCodec codec;
  private final long rowGroupBytes;
  private final long rowGroupRowLimit;
  private final Map<String, String> footer = new LinkedHashMap<>();
  private long rowGroupRows;

  /** The features column's roi_features.* metadata as a JSON object, or null without one. */
  static String vectorDescription(StructType schema) {
    for (org.apache.spark.sql.types.StructField f : schema.fields()) {
      if (f.name().equals("features") && f.metadata().json().contains("roi_features.")) {
        return f.metadata().json();
      }
    }
    return null;
  }

  ParquetRowWriter(String path, StructType schema, Configuration conf, String sparkVersion)
      throws IOException {
    this.path = path;
    MessageType parquetSchema = new SparkToParquetSchemaConverter(conf).convert(schema);
    int pageBytes = ParquetOutputFormat.getPageSize(conf);
    int pageRowLimit = conf.getInt(ParquetOutputFormat.PAGE_ROW_COUNT_LIMIT,
        ParquetProperties.DEFAULT_PAGE_ROW_COUNT_LIMIT);
    this.rowGroupBytes = ParquetOutputFormat.getLongBlockSize(conf);
    this.rowGroupRowLimit = conf.getInt(ParquetOutputFormat.BLOCK_ROW_COUNT_LIMIT,
        ParquetProperties.DEFAULT_ROW_GROUP_ROW_COUNT_LIMIT);
    ByteArrayPool pool = new ByteArrayPool();
    this.codec = new PageCodec(ParquetOutputFormat.getCompression(conf), conf, pageBytes, pool);
    this.file = new ParquetFileWriter(new PartFile(path, conf), parquetSchema,
        ParquetFileWriter.Mode.CREATE, rowGroupBytes,
        conf.getInt(ParquetOutputFormat.MAX_PADDING_BYTES, ParquetWriter.MAX_PADDING_SIZE_DEFAULT),
        conf.getInt(ParquetOutputFormat.COLUMN_INDEX_TRUNCATE_LENGTH,
            ParquetProperties.DEFAULT_COLUMN_INDEX_TRUNCATE_LENGTH),
        conf.getInt(ParquetOutputFormat.STATISTICS_TRUNCATE_LENGTH,
            ParquetProperties.DEFAULT_STATISTICS_TRUNCATE_LENGTH),
        ParquetOutputFormat.getPageWriteChecksumEnabled(conf));
    List<ColumnDescriptor> descriptors = parquetSchema.getColumns();
    StructField[] fields = schema.fields();
    this.columns = new ColumnChunkBuffer[fields.length];
    for (int i = 0; i < fields.length; i++) {
      String name = fields[i].name();
      boolean dictionary = conf.getBoolean(ParquetOutputFormat.ENABLE_DICTIONARY + "#" + name,
          ParquetOutputFormat.getEnableDictionary(conf));
      columns[i] = new ColumnChunkBuffer(descriptors.get(i),
          ColumnChunkBuffer.kindOf(fields[i].dataType()), i,
          ParquetOutputFormat.getStatisticsEnabled(conf, name),
          dictionary ? ParquetOutputFormat.getDictionaryPageSize(conf) : 0, pageBytes, pageRowLimit,
          codec, pool);
    }
    footer.put(SPARK_VERSION_KEY, sparkVersion);
    footer.put(SPARK_ROW_METADATA_KEY, schema.json());
    String description = vectorDescription(schema);
    if (description != null) {
      footer.put(VECTOR_DESCRIPTION_KEY, description);
    }
    file.start();
  }

  /**
   * Whether this writer writes rows of {@code schema} under {@code conf}: flat rows of the types it
   * encodes, and none of the Parquet features it does not implement (encryption, bloom filters, data
   * page v2, byte-stream-split), which are left to Spark's writer.
   */
  static boolean supports(StructType schema, Configuration conf) {
    if (schema.fields().length == 0) {
      return false;
    }
    for (StructField f : schema.fields()) {
      ColumnChunkBuffer.Kind kind = ColumnChunkBuffer.kindOf(f.dataType());
      if (kind == null || kind == ColumnChunkBuffer.Kind.FLOAT_LIST
          && conf.getBoolean("spark.sql.parquet.writeLegacyFormat", false)) {
        return false; // lists only in the standard three-level layout, not the legacy two-level one
      }
    }
    if (conf.get("parquet.crypto.factory.class") != null
        || conf.get("parquet.encryption.kms.client.class") != null
        || conf.getBoolean(ParquetOutputFormat.ENABLE_BYTE_STREAM_SPLIT, false)
        || !"v1".equalsIgnoreCase(conf.get(ParquetOutputFormat.WRITER_VERSION, "v1"))
            && !"PARQUET_1_0".equalsIgnoreCase(conf.get(ParquetOutputFormat.WRITER_VERSION))) {
      return false;
    }
    for (var e : conf) {
      if (e.getKey().startsWith(ParquetOutputFormat.BLOOM_FILTER_ENABLED)
          && Boolean.parseBoolean(e.getValue())) {
        return false;
      }
    }
    return true;
  }

  @Override
  public void write(InternalRow row) {
    try {
      for (ColumnChunkBuffer c : columns) {
        c.add(row);
      }
      rowGroupRows++;
      long buffered = 0;
      for (ColumnChunkBuffer c : columns) {
        buffered += c.bufferedBytes();
      }
      if (buffered >= rowGroupBytes || rowGroupRows >= rowGroupRowLimit) {
        writeRowGroup();
      }
    } catch (IOException e) {
      throw new java.io.UncheckedIOException("writing " + path, e);
    }
  }

  private void writeRowGroup() throws IOException {
    file.startBlock(rowGroupRows);
    for (ColumnChunkBuffer c : columns) {
      c.writeChunk(file);
    }
    file.endBlock();
    rowGroupRows = 0;
  }

  @Override
  public void close() {
    try {
      if (rowGroupRows > 0) {
        writeRowGroup();
      }
      file.end(footer);
    } catch (IOException | RuntimeException e) {
      // A failed task's writer is closed too (Spark then deletes the attempt's files): release the
      // stream without flushing a half-written file.
      file.abort();
      try {
        file.close();
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e instanceof IOException io ? new java.io.UncheckedIOException("closing " + path, io)
          : (RuntimeException) e;
    } finally {
      codec.close();
    }
  }

  @Override
  public String path() {
    return path;
  }
}
