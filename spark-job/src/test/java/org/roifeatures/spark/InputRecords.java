package org.roifeatures.spark;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.roifeatures.ops.FeatureMap;
import org.roifeatures.spark.io.NpyArrays;

/**
 * The proposals and feature maps a test handed to the job, read back from the input files by plain
 * readers that share no code with the job's (CSV and JSON lines split by hand, Parquet through
 * Spark's generic reader, .npy through {@link NpyArrays} only for maps): the independent side of
 * every comparison in {@link ExpectedOutput}. Each proposal gets the key the job documents —
 * {@code roi_id} the input's when the file has the column, else the 0-based position of the
 * proposal within its image in file order.
 */
public final class InputRecords {

  private InputRecords() {}

  /** The output key. */
  public record Key(String imageId, long roiId) implements Comparable<Key> {
    @Override
    public int compareTo(Key o) {
      int c = imageId.compareTo(o.imageId);
      return c != 0 ? c : Long.compare(roiId, o.roiId);
    }

    @Override
    public String toString() {
      return imageId + "/" + roiId;
    }
  }

  /**
   * One input proposal as written in the file. Fields the file leaves empty are null; a field whose
   * text is not a number is null too and named in {@code unparsable}.
   */
  public record Proposal(Key key, Double x1, Double y1, Double x2, Double y2, Double score,
      Integer label, Double angle, List<String> unparsable) {

    public String imageId() {
      return key.imageId();
    }

    public long roiId() {
      return key.roiId();
    }

    /** The box as the kernels take it: {@code x1, y1, x2, y2} in float32. */
    public float[] box() {
      return new float[] {x1.floatValue(), y1.floatValue(), x2.floatValue(), y2.floatValue()};
    }

    /** The rotated box detectron2 takes: centre, width, height, angle (0 when absent). */
    public float[] rotatedBox() {
      return new float[] {(float) ((x1 + x2) / 2), (float) ((y1 + y2) / 2), (float) (x2 - x1),
          (float) (y2 - y1), angle == null ? 0f : angle.floatValue()};
    }
  }

  // ---- proposals ----

  /** Proposals of a CSV file with a header, or of every {@code *.csv} part file of a directory. */
  public static Map<Key, Proposal> csv(Path fileOrDir) {
    List<Map<String, String>> raw = new ArrayList<>();
    for (Path f : files(fileOrDir, ".csv")) {
      List<String> lines;
      try {
        lines = Files.readAllLines(f);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      if (!lines.isEmpty()) {
        raw.addAll(csvFields(lines.get(0), lines.subList(1, lines.size())));
      }
    }
    return keyed(raw);
  }

  /** Proposals of CSV {@code lines} under {@code header} (plain comma-separated, no quoting). */
  public static Map<Key, Proposal> csvLines(String header, List<String> lines) {
    return keyed(csvFields(header, lines));
  }

  private static List<Map<String, String>> csvFields(String headerLine, List<String> lines) {
    String[] header = headerLine.split(",", -1);
    List<Map<String, String>> raw = new ArrayList<>();
    for (String line : lines) {
      if (line.isEmpty()) {
        continue;
      }
      String[] v = line.split(",", -1);
      Map<String, String> m = new LinkedHashMap<>();
      for (int i = 0; i < header.length; i++) {
        m.put(header[i], i < v.length && !v[i].isEmpty() ? v[i] : null);
      }
      raw.add(m);
    }
    return raw;
  }

  /** Proposals of every {@code *.json} part file (JSON lines) of a directory, or of one file. */
  public static Map<Key, Proposal> jsonLines(Path fileOrDir) {
    List<String> lines = new ArrayList<>();
    for (Path f : files(fileOrDir, ".json")) {
      try {
        lines.addAll(Files.readAllLines(f));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return jsonLines(lines);
  }

  /** Proposals of JSON {@code lines}, one object each. */
  public static Map<Key, Proposal> jsonLines(List<String> lines) {
    ObjectMapper json = new ObjectMapper();
    List<Map<String, String>> raw = new ArrayList<>();
    for (String line : lines) {
      if (line.isBlank()) {
        continue;
      }
      try {
        JsonNode n = json.readTree(line);
        Map<String, String> m = new LinkedHashMap<>();
        n.fields().forEachRemaining(e -> m.put(e.getKey(), e.getValue().isNull() ? null
            : e.getValue().asText()));
        raw.add(m);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return keyed(raw);
  }

  /**
   * Proposals of a Parquet directory, read with Spark's generic reader (not the job's
   * {@code ParquetInputs}); file order is kept by reading one part file at a time, in name order.
   */
  public static Map<Key, Proposal> parquet(SparkSession spark, Path fileOrDir) {
    List<Map<String, String>> raw = new ArrayList<>();
    for (Path f : files(fileOrDir, ".parquet")) {
      for (Row r : spark.read().parquet(f.toString()).collectAsList()) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String c : r.schema().fieldNames()) {
          Object v = r.getAs(c);
          m.put(c, v == null ? null : v.toString());
        }
        raw.add(m);
      }
    }
    return keyed(raw);
  }

  /** Proposals given as rows of text (column → value, null for empty), in file order. */
  public static Map<Key, Proposal> keyed(List<Map<String, String>> rows) {
    Map<Key, Proposal> out = new LinkedHashMap<>();
    Map<String, Long> position = new HashMap<>();
    for (Map<String, String> m : rows) {
      String image = m.get("image_id");
      long pos = position.merge(image, 1L, Long::sum) - 1;
      Key key = new Key(image, m.containsKey("roi_id") ? Long.parseLong(m.get("roi_id")) : pos);
      List<String> bad = new ArrayList<>();
      Proposal p = new Proposal(key, number(m, "x1", bad), number(m, "y1", bad),
          number(m, "x2", bad), number(m, "y2", bad), number(m, "score", bad),
          m.get("label") == null ? null : integer(m.get("label"), bad), number(m, "angle", bad),
          List.copyOf(bad));
      if (out.putIfAbsent(key, p) != null) {
        throw new IllegalArgumentException("test input has a duplicate key " + key
            + "; use a map of its own for inputs that test duplicates");
      }
    }
    return out;
  }

  private static Double number(Map<String, String> m, String column, List<String> bad) {
    String v = m.get(column);
    if (v == null) {
      return null;
    }
    try {
      return Double.valueOf(v);
    } catch (NumberFormatException e) {
      bad.add(column);
      return null;
    }
  }

  private static Integer integer(String v, List<String> bad) {
    try {
      return Integer.valueOf(v);
    } catch (NumberFormatException e) {
      bad.add("label");
      return null;
    }
  }

  private static List<Path> files(Path fileOrDir, String extension) {
    if (Files.isRegularFile(fileOrDir)) {
      return List.of(fileOrDir);
    }
    try (Stream<Path> s = Files.list(fileOrDir)) {
      List<Path> all = s.filter(p -> p.getFileName().toString().endsWith(extension)
          && !p.getFileName().toString().startsWith(".")).sorted().toList();
      if (all.isEmpty()) {
        throw new IllegalArgumentException("no " + extension + " files in " + fileOrDir);
      }
      return all;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  // ---- feature maps ----

  /** image → level → map of a {@code maps_npy} directory ({@code <image>/<level>.npy}). */
  public static Map<String, Map<String, FeatureMap>> npyMaps(Path dir) {
    Map<String, Map<String, FeatureMap>> out = new HashMap<>();
    try (Stream<Path> images = Files.list(dir)) {
      for (Path image : images.filter(Files::isDirectory).sorted().toList()) {
        try (Stream<Path> levels = Files.list(image)) {
          for (Path f : levels.filter(p -> p.toString().endsWith(".npy")).sorted().toList()) {
            try (InputStream in = Files.newInputStream(f)) {
              NpyArrays.FloatArray a = NpyArrays.read(in);
              String level = f.getFileName().toString().replace(".npy", "");
              out.computeIfAbsent(image.getFileName().toString(), k -> new HashMap<>()).put(level,
                  FeatureMap.chw(a.data(), (int) a.shape()[0], (int) a.shape()[1],
                      (int) a.shape()[2]));
            }
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }

  /**
   * image → level → map of a Parquet maps input (SampleGenerator's schema), read with Spark's
   * generic reader and decoded here as little-endian float32.
   */
  public static Map<String, Map<String, FeatureMap>> parquetMaps(SparkSession spark, Path dir) {
    Map<String, Map<String, FeatureMap>> out = new HashMap<>();
    for (Row r : spark.read().parquet(dir.toString()).collectAsList()) {
      float[] data = floats(r.<byte[]>getAs("data"));
      out.computeIfAbsent(r.getAs("image_id"), k -> new HashMap<>()).put(
          Objects.requireNonNullElse(r.<String>getAs("level"), ""),
          FeatureMap.chw(data, r.<Integer>getAs("channels"), r.<Integer>getAs("height"),
              r.<Integer>getAs("width")));
    }
    return out;
  }

  /** Little-endian float32 bytes as floats (the output's binary vectors, the maps' blobs). */
  public static float[] floats(byte[] b) {
    if (b.length % 4 != 0) {
      throw new AssertionError("a float32 blob of " + b.length + " bytes");
    }
    float[] f = new float[b.length / 4];
    ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(f);
    return f;
  }

  /** A vector cell of any output format as float32 values (binary: float32 little-endian). */
  public static float[] vector(Object cell) {
    if (cell instanceof byte[] b) {
      return floats(b);
    }
    if (cell instanceof org.apache.spark.ml.linalg.Vector v) {
      double[] d = v.toArray();
      float[] f = new float[d.length];
      for (int i = 0; i < d.length; i++) {
        f[i] = (float) d[i];
        if (f[i] != d[i]) {
          throw new AssertionError("vector element " + i + " = " + d[i] + " is not a float32");
        }
      }
      return f;
    }
    if (cell instanceof scala.collection.Seq<?> seq) {
      float[] f = new float[seq.size()];
      for (int i = 0; i < f.length; i++) {
        f[i] = (Float) seq.apply(i);
      }
      return f;
    }
    if (cell instanceof List<?> list) {
      float[] f = new float[list.size()];
      for (int i = 0; i < f.length; i++) {
        f[i] = (Float) list.get(i);
      }
      return f;
    }
    throw new AssertionError("not a vector: " + (cell == null ? null : cell.getClass())
        + (cell instanceof Object[] a ? Arrays.toString(a) : ""));
  }
}
