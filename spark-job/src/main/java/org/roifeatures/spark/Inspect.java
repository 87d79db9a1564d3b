package org.roifeatures.spark;

import static org.apache.spark.sql.functions.col;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructField;
import org.roifeatures.spark.io.NpyArrays;
import org.roifeatures.spark.task.HalfFloats;

/**
 * {@code roi-features inspect PATH}: what an output holds, without writing Spark code — schema, the
 * vector's metadata, row counts, a few rows; optionally exports rows to .npy/.csv for tools that
 * cannot read Parquet (Debian has no pyarrow).
 */
final class Inspect {

  private Inspect() {}

  static void print(SparkSession spark, String path, int rows, String exportDir, PrintStream out)
      throws IOException {
    Dataset<Row> df = spark.read().parquet(path);
    out.println("path: " + path);
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
          s.append(f.name()).append('=').append(r.getAs(f.name()).toString()).append(' ');
        }
      }
      out.println(s.toString().replace("=null", "=null"));
    }
    if (exportDir != null && hasFeatures) {
      export(df, meta, Paths.get(exportDir), rows, out);
    }
  }

  /** The features column's roi_features.* metadata. */
  static Map<String, String> vectorMetadata(Dataset<Row> df) {
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
  static float[] decode(Object value, Map<String, String> meta) {
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
        v[i] = dtype.equals("float16") ? HalfFloats.fromFloat16(h) : HalfFloats.fromBfloat16(h);
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

  /**
   * Writes up to {@code limit} rows as {@code features.npy} (N × vector_length float32) and
   * {@code rows.csv} (image_id, roi_id, x1, y1, x2, y2, score, label, level), in the same order.
   */
  static void export(Dataset<Row> df, Map<String, String> meta, Path dir, int limit, PrintStream out)
      throws IOException {
    Files.createDirectories(dir);
    List<Row> rows = df.orderBy(col("image_id"), col("roi_id")).limit(limit).collectAsList();
    int len = rows.isEmpty() ? 0 : decode(rows.get(0).getAs("features"), meta).length;
    float[] all = new float[rows.size() * len];
    List<String> csv = new ArrayList<>();
    csv.add("image_id,roi_id,x1,y1,x2,y2,score,label,level");
    for (int i = 0; i < rows.size(); i++) {
      Row r = rows.get(i);
      System.arraycopy(decode(r.getAs("features"), meta), 0, all, i * len, len);
      csv.add(String.join(",", String.valueOf(r.getAs("image_id")), String.valueOf(r.getAs("roi_id")),
          String.valueOf(r.getAs("x1")), String.valueOf(r.getAs("y1")), String.valueOf(r.getAs("x2")),
          String.valueOf(r.getAs("y2")), String.valueOf((Object) r.getAs("score")),
          String.valueOf((Object) r.getAs("label")), String.valueOf((Object) r.getAs("level"))));
    }
    try (OutputStream os = Files.newOutputStream(dir.resolve("features.npy"))) {
      NpyArrays.write(os, new long[] {rows.size(), len}, all);
    }
    Files.write(dir.resolve("rows.csv"), csv);
    out.println("exported " + rows.size() + " rows to " + dir.toAbsolutePath()
        + " (features.npy, rows.csv)");
  }
}
