package org.roifeatures.spark.parquet;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.hadoop.Footer;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.ParquetMetadata;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.execution.datasources.parquet.ParquetFileFormat$;
import org.apache.spark.sql.execution.datasources.parquet.ParquetToSparkSchemaConverter;
import org.apache.spark.sql.internal.SQLConf;
import org.apache.spark.sql.types.StructType;

/**
 * Opens a Parquet input with its schema read on the driver from one file's footer. Spark's own
 * inference ({@code spark.read().parquet(path)} without a schema) reads that same footer in a
 * one-task Spark job, which on a small run costs as much as a stage of real work (job scheduling,
 * task launch, result fetch: 0.05–0.15 s per input here). The schema comes from Spark's own footer
 * conversion ({@code ParquetFileFormat.readSchemaFromFooter}: the Spark schema stored in the file when
 * Spark wrote it, else the Parquet types converted with the session's settings), so the result is
 * the schema Spark would infer; partition columns are still discovered from directory names.
 *
 * <p>Whenever the case is not the plain one (schema merging on, glob patterns, Parquet summary files,
 * no data file found, any error), Spark infers the schema as usual: this is an optimisation, never a
 * second interpretation of the input.
 */
public final class ParquetInputs {

  private ParquetInputs() {}

  /** {@code spark.read().parquet(path)}, without the schema job when the schema is plain to read. */
  public static Dataset<Row> read(SparkSession spark, String path) {
    return read(spark, path, Map.of());
  }

  /** As {@link #read(SparkSession, String)}, with reader options (Parquet/Hadoop settings). */
  public static Dataset<Row> read(SparkSession spark, String path, Map<String, String> options) {
    StructType schema;
    try {
      schema = schemaOnDriver(spark, path);
    } catch (IOException | RuntimeException e) {
      schema = null; // Spark's inference reports whatever is wrong, in its own words
    }
    return schema == null ? spark.read().options(options).parquet(path)
        : spark.read().options(options).schema(schema).parquet(path);
  }

  /** The schema from the first data file's footer, or null when Spark should infer it. */
  static StructType schemaOnDriver(SparkSession spark, String path) throws IOException {
    if (!(spark instanceof org.apache.spark.sql.classic.SparkSession classic)) {
      return null;
    }
    SQLConf conf = classic.sessionState().conf();
    if (conf.isParquetSchemaMergingEnabled() || path.indexOf('*') >= 0 || path.indexOf('?') >= 0
        || path.indexOf('[') >= 0 || path.indexOf('{') >= 0) {
      return null;
    }
    // The session's Hadoop settings, as Spark's reader uses them (spark.hadoop.* and SQL-conf ones).
    Configuration hadoop = classic.sessionState().newHadoopConf();
    Path root = new Path(path);
    FileSystem fs = root.getFileSystem(hadoop);
    FileStatus first = firstDataFile(fs, fs.getFileStatus(root));
    if (first == null) {
      return null;
    }
    ParquetMetadata footer;
    try (ParquetFileReader reader = ParquetFileReader.open(HadoopInputFile.fromStatus(first, hadoop))) {
      footer = reader.getFooter();
    }
    return ParquetFileFormat$.MODULE$.readSchemaFromFooter(new Footer(first.getPath(), footer),
        new ParquetToSparkSchemaConverter(conf));
  }

  /**
   * The first data file under {@code status} in name order, depth first, skipping what Spark skips
   * (names starting with '_' or '.', except partition directories such as {@code _a=1}, and empty
   * files, which have no footer and which Spark's scan leaves out); null when there is none.
   *
   * @throws IOException also when a directory holds a Parquet summary file ({@code _metadata},
   *     {@code _common_metadata}), which Spark's inference would prefer
   */
  static FileStatus firstDataFile(FileSystem fs, FileStatus status) throws IOException {
    if (status.isFile()) {
      return status;
    }
    FileStatus[] children = fs.listStatus(status.getPath());
    Arrays.sort(children, Comparator.comparing(s -> s.getPath().getName()));
    List<FileStatus> dirs = new ArrayList<>();
    for (FileStatus child : children) {
      String name = child.getPath().getName();
      if (name.equals("_metadata") || name.equals("_common_metadata")) {
        throw new IOException("Parquet summary file " + child.getPath() + ": left to Spark");
      }
      if (hidden(name) || (child.isFile() && child.getLen() == 0)) {
        continue;
      }
      if (child.isFile()) {
        return child;
      }
      dirs.add(child);
    }
    for (FileStatus dir : dirs) {
      FileStatus found = firstDataFile(fs, dir);
      if (found != null) {
        return found;
      }
    }
    return null;
  }

  /** Whether Spark's file listing leaves out a file or directory of this name. */
  private static boolean hidden(String name) {
    return (name.startsWith("_") && !name.contains("=")) || name.startsWith(".")
        || name.endsWith("._COPYING_");
  }

  /**
   * The 0-byte data files Spark would read at {@code path} (a file, directory or glob). Spark's scan
   * skips them without a word, so whatever they should have held would vanish unreported: the map
   * index lists them as unreadable files instead.
   */
  public static List<String> emptyDataFiles(SparkSession spark, String path) throws IOException {
    Path p = new Path(path);
    FileSystem fs = p.getFileSystem(spark.sparkContext().hadoopConfiguration());
    FileStatus[] roots = fs.globStatus(p);
    List<String> out = new ArrayList<>();
    for (FileStatus root : roots == null ? new FileStatus[0] : roots) {
      collectEmpty(fs, root, out);
    }
    out.sort(String::compareTo);
    return out;
  }

  private static void collectEmpty(FileSystem fs, FileStatus status, List<String> out)
      throws IOException {
    if (status.isFile()) {
      if (status.getLen() == 0) {
        out.add(status.getPath().toString());
      }
      return;
    }
    for (FileStatus child : fs.listStatus(status.getPath())) {
      if (!hidden(child.getPath().getName())) {
        collectEmpty(fs, child, out);
      }
    }
  }
}
