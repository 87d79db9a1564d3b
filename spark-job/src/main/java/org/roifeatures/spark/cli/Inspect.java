package org.roifeatures.spark.cli;

import org.roifeatures.spark.OutputMetadata;

import static org.apache.spark.sql.functions.col;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructField;
import org.roifeatures.ops.HalfPrecision;
import org.roifeatures.spark.io.NpyArrays;
import org.roifeatures.spark.output.RunRecord;

/**
 * {@code roi-features inspect PATH}: what an output holds, without writing Spark code — schema, the
 * vector's metadata, row counts, a few rows; optionally exports rows (or a rejects output) to
 * .npy/.json/.csv for tools that cannot read Parquet (Debian has no pyarrow).
 */
public final class Inspect {

  private Inspect() {}

  /** Rows {@code --export-npy} writes unless {@code --export-rows} says otherwise. */
  static final int DEFAULT_EXPORT_ROWS = 20_000;

  /**
   * Inspects several outputs in one session. With more than one path, each export goes to
   * {@code exportDir/<last component of its path>}.
   */
  static void printAll(SparkSession spark, List<String> paths, int rows, String exportDir,
      int exportRows, PrintStream out) throws IOException {
    for (String path : paths) {
      String dir = exportDir == null || paths.size() == 1 ? exportDir
          : Paths.get(exportDir).resolve(new org.apache.hadoop.fs.Path(path).getName()).toString();
      print(spark, path, rows, dir, exportRows, out);
    }
  }

  static void print(SparkSession spark, String path, int rows, String exportDir, PrintStream out)
      throws IOException {
    print(spark, path, rows, exportDir, DEFAULT_EXPORT_ROWS, out);
  }

  static void print(SparkSession spark, String path, int rows, String exportDir, int exportRows,
      PrintStream out) throws IOException {
    out.println("path: " + path);
    org.apache.hadoop.conf.Configuration conf = spark.sparkContext().hadoopConfiguration();
    RunRecord.State state = RunRecord.state(conf, path);
    if (state == RunRecord.State.ABSENT) {
      throw new IllegalArgumentException("inspect: " + path + " does not exist");
    }
    org.apache.hadoop.fs.Path hp = new org.apache.hadoop.fs.Path(path);
    if (!hp.getFileSystem(conf).getFileStatus(hp).isFile()) {
      out.println("run: " + runLine(conf, path, state));
      java.util.List<com.fasterxml.jackson.databind.JsonNode> runs =
          org.roifeatures.spark.output.IncrementalOutput.committedRuns(conf, path);
      if (!runs.isEmpty()) {
        out.println("committed runs (output.mode append): " + runs.size());
        for (com.fasterxml.jackson.databind.JsonNode r : runs) {
          com.fasterxml.jackson.databind.JsonNode c = r.path("counts");
          out.println(String.format("  run=%s  finished %s  proposals %d, written %d, rejected %d",
              r.path("run_id").asText(), r.path("finished_at").asText(),
              c.path("proposals_read").asLong(), c.path("rois_written").asLong(),
              c.path("rois_rejected").asLong()));
        }
      }
    }
    if (!org.roifeatures.spark.output.OutputPaths.hasDataFiles(conf, path)) {
      out.println("no committed data files (nothing a Parquet reader would read)");
      return;
    }
    Dataset<Row> df = spark.read().parquet(path);
    out.println("schema:");
    out.print(df.schema().treeString());
    Map<String, String> meta = vectorMetadata(df);
    if (!meta.isEmpty()) {
      out.println("vector metadata (features column; also in " + OutputMetadata.SIDECAR + "):");
      meta.forEach((k, v) -> out.println("  " + k + " = " + v));
    }
    out.println("rows: " + df.count());
    if (java.util.Arrays.asList(df.columns()).contains("reason")) {
      out.println("by reason:");
      for (Row r : df.groupBy("reason").count().orderBy("reason").collectAsList()) {
        out.println("  " + r.getString(0) + ": " + r.getLong(1));
      }
    }
    if (java.util.Arrays.asList(df.columns()).contains("level")) {
      out.println("by level:");
      for (Row r : df.groupBy("level").count().orderBy("level").collectAsList()) {
        out.println("  " + r.get(0) + ": " + r.getLong(1));
      }
    }
    boolean hasFeatures = java.util.Arrays.asList(df.columns()).contains("features");
    boolean isRejects = java.util.Arrays.asList(df.columns()).contains("reason");
    List<Row> sample = df.orderBy(col("image_id"), col("roi_id")).limit(rows).collectAsList();
    out.println("first " + sample.size() + " rows:");
    for (Row r : sample) {
      StringBuilder s = new StringBuilder("  ");
      for (StructField f : df.schema().fields()) {
        if (f.name().equals("features")) {
          float[] v = decode(r.getAs("features"), meta);
          s.append("features=[").append(v.length).append(" floats: ");
          for (int i = 0; i < Math.min(4, v.length); i++) {
            s.append(String.format("%.4g ", v[i]));
          }
          s.append("...] ");
        } else {
          s.append(f.name()).append('=').append(String.valueOf((Object) r.getAs(f.name())))
              .append(' ');
        }
      }
      out.println(s);
    }
    if (exportDir != null && hasFeatures) {
      export(df, meta, Paths.get(exportDir), exportRows, out);
    } else if (exportDir != null && isRejects) {
      exportRejects(df, Paths.get(exportDir), exportRows, out);
    }
  }

  /** What the run record says, in one line (the rejects output's record is its features'). */
  static String runLine(org.apache.hadoop.conf.Configuration conf, String path,
      RunRecord.State state) {
    com.fasterxml.jackson.databind.JsonNode s = RunRecord.summary(conf, path);
    return switch (state) {
      case COMPLETE -> "complete" + (s == null ? "" : " (finished " + s.path("finished_at").asText()
          + ")");
      case FAILED -> "FAILED, not complete: " + s.path("error").asText();
      case UNFINISHED -> "UNFINISHED, not complete: no " + RunRecord.SUCCESS + " (the run that wrote "
          + "it was killed, failed before recording it, or is still running)";
      case ABSENT -> "absent";
    };
  }

  /** The features column's roi_features.* metadata. */
  public static Map<String, String> vectorMetadata(Dataset<Row> df) {
    Map<String, String> m = new TreeMap<>();
    for (StructField f : df.schema().fields()) {
      if (f.name().equals("features")) {
        Metadata md = f.metadata();
        scala.collection.Iterator<String> keys = md.map().keysIterator();
        while (keys.hasNext()) {
          String k = keys.next();
          m.put(k, md.getString(k));
        }
      }
    }
    return m;
  }

  /** A features value of any vector format as float32. */
  public static float[] decode(Object value, Map<String, String> meta) {
    if (value instanceof byte[] b) {
      String dtype = meta.getOrDefault("roi_features.dtype", "float32");
      ByteBuffer buf = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
      if (dtype.equals("float32")) {
        float[] v = new float[b.length / 4];
        buf.asFloatBuffer().get(v);
        return v;
      }
      float[] v = new float[b.length / 2];
      for (int i = 0; i < v.length; i++) {
        short h = buf.getShort();
        v[i] = dtype.equals("float16") ? HalfPrecision.fromFloat16(h) : HalfPrecision.fromBfloat16(h);
      }
      return v;
    }
    if (value instanceof Vector vec) {
      double[] d = vec.toArray();
      float[] v = new float[d.length];
      for (int i = 0; i < d.length; i++) {
        v[i] = (float) d[i];
      }
      return v;
    }
    scala.collection.Seq<?> seq = (scala.collection.Seq<?>) value;
    float[] v = new float[seq.size()];
    for (int i = 0; i < v.length; i++) {
      v[i] = ((Number) seq.apply(i)).floatValue();
    }
    return v;
  }

  private static final List<String> ROW_COLUMNS =
      List.of("image_id", "roi_id", "x1", "y1", "x2", "y2", "score", "label", "level");
  private static final List<String> REJECT_COLUMNS =
      List.of("image_id", "roi_id", "x1", "y1", "x2", "y2", "score", "label", "reason", "detail");

  /**
   * Writes up to {@code limit} rows, ordered by image_id and roi_id, as {@code features.npy}
   * (N × vector_length float32), {@code rows.json} (one list per column: image_id, roi_id, x1, y1,
   * x2, y2, score, label, level; nulls and non-finite numbers as null), the same columns as
   * {@code rows.csv}, and {@code metadata.json} (the vector's roi_features.* description).
   */
  static void export(Dataset<Row> df, Map<String, String> meta, Path dir, int limit, PrintStream out)
      throws IOException {
    Files.createDirectories(dir);
    List<Row> rows = df.orderBy(col("image_id"), col("roi_id")).limit(limit).collectAsList();
    int len = rows.isEmpty() ? 0 : decode(rows.get(0).getAs("features"), meta).length;
    float[] all = new float[rows.size() * len];
    List<String> csv = new ArrayList<>();
    csv.add(String.join(",", ROW_COLUMNS));
    for (int i = 0; i < rows.size(); i++) {
      Row r = rows.get(i);
      System.arraycopy(decode(r.getAs("features"), meta), 0, all, i * len, len);
      List<String> cells = new ArrayList<>();
      for (String c : ROW_COLUMNS) {
        cells.add(String.valueOf((Object) r.getAs(c)));
      }
      csv.add(String.join(",", cells));
    }
    try (OutputStream os = Files.newOutputStream(dir.resolve("features.npy"))) {
      NpyArrays.write(os, new long[] {rows.size(), len}, all);
    }
    Files.write(dir.resolve("rows.csv"), csv);
    JSON.writeValue(dir.resolve("rows.json").toFile(), columns(rows, ROW_COLUMNS));
    JSON.writeValue(dir.resolve("metadata.json").toFile(), meta);
    out.println("exported " + rows.size() + " rows to " + dir.toAbsolutePath()
        + " (features.npy, rows.json, rows.csv, metadata.json)" + truncation(df, rows.size()));
  }

  /** Writes up to {@code limit} rows of a rejects output as {@code rejects.json}, one list per column. */
  static void exportRejects(Dataset<Row> df, Path dir, int limit, PrintStream out) throws IOException {
    Files.createDirectories(dir);
    List<Row> rows = df.orderBy(col("image_id"), col("roi_id")).limit(limit).collectAsList();
    JSON.writeValue(dir.resolve("rejects.json").toFile(), columns(rows, REJECT_COLUMNS));
    out.println("exported " + rows.size() + " rejects to " + dir.toAbsolutePath() + " (rejects.json)"
        + truncation(df, rows.size()));
  }

  private static final ObjectMapper JSON = new ObjectMapper();

  private static Map<String, List<Object>> columns(List<Row> rows, List<String> names) {
    Map<String, List<Object>> m = new LinkedHashMap<>();
    for (String c : names) {
      List<Object> values = new ArrayList<>(rows.size());
      for (Row r : rows) {
        Object v = r.getAs(c);
        values.add(v instanceof Double d && !Double.isFinite(d) ? null : v);
      }
      m.put(c, values);
    }
    return m;
  }

  private static String truncation(Dataset<Row> df, int written) {
    long total = df.count();
    return written < total ? "; only the first " + written + " of " + total
        + " rows, raise --export-rows to get more" : "";
  }
}
