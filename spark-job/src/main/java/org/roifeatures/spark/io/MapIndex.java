package org.roifeatures.spark.io;

import static org.apache.spark.sql.functions.col;

import java.io.DataInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.StructType;
import org.roifeatures.spark.parquet.ParquetInputs;

/**
 * Builds the feature-map index: one small row per (image, level) saying where the map lives and what
 * shape it claims — never the map data itself. The job joins proposals to this index, so maps are
 * read once, by the task that pools them, and are never shuffled.
 *
 * <ul>
 *   <li>Parquet: Spark reads only the small columns plus each row's file and row index
 *       ({@code _metadata.file_path}, {@code _metadata.row_index}).</li>
 *   <li>Arrow IPC: each file is indexed by an executor task (Arrow has no column pruning on read).</li>
 *   <li>.npy: files are listed on the driver and their headers read by executor tasks.</li>
 * </ul>
 */
public final class MapIndex {

  private MapIndex() {}

  /** Resolves {@code auto} from the path: a .npy file or a directory containing .npy files, etc. */
  public static String detectFormat(SparkSession spark, String path, String format) {
    if (!format.equals("auto")) {
      return format;
    }
    String lower = path.toLowerCase(Locale.ROOT);
    if (lower.endsWith(".arrow") || lower.endsWith(".feather") || lower.endsWith(".ipc")) {
      return "arrow";
    }
    if (lower.endsWith(".npy")) {
      return "npy";
    }
    if (lower.endsWith(".safetensors")) {
      return "safetensors";
    }
    if (lower.endsWith(".parquet")) {
      return "parquet";
    }
    try {
      for (String f : listFiles(spark, path)) {
        String l = f.toLowerCase(Locale.ROOT);
        if (l.endsWith(".npy")) {
          return "npy";
        }
        if (l.endsWith(".safetensors")) {
          return "safetensors";
        }
        if (l.endsWith(".arrow") || l.endsWith(".feather") || l.endsWith(".ipc")) {
          return "arrow";
        }
        if (l.endsWith(".parquet")) {
          return "parquet";
        }
      }
    } catch (IOException e) {
      throw new InputException("cannot list feature maps at " + path + ": " + e.getMessage(), e);
    }
    throw new InputException("cannot tell the format of feature maps at " + path
        + "; set maps.format to parquet, arrow, npy or safetensors");
  }

  /**
   * The whole index on the driver when it has at most {@code limit} entries, else null. One Spark job
   * that brings back at most {@code limit + 1} entries per partition, so a large index never floods
   * the driver. A small index is then broadcast as a {@link Lookup}, saving the aggregation, join and
   * broadcast-exchange jobs that dominate small runs.
   */
  public static List<Row> collectIfSmall(Dataset<Row> index, int limit) {
    if (limit <= 0) {
      return null;
    }
    List<Row> rows = index.mapPartitions((MapPartitionsFunction<Row, Row>) it -> {
      List<Row> out = new ArrayList<>();
      while (it.hasNext() && out.size() <= limit) {
        out.add(it.next());
      }
      return out.iterator();
    }, Encoders.row(MapEntry.INDEX_ROW)).collectAsList();
    return rows.size() > limit ? null : rows;
  }

  /**
   * The collected index as two lookups, for a job that attaches each proposal's maps and partition
   * key by image id without a join: image id → its maps (the same maps, in index order, as Spark's
   * {@code groupBy(image_id).agg(collect_list(map))}), and image id → partition key. Images ordered
   * by their first map's file and row are cut into {@code partitions} runs of equal length, so every
   * task pools as many images (hashing image ids gave 9 and 11 of 20 to two tasks) and reads a
   * stretch of the map files; the keys are the integers Spark's hash partitioning sends to those
   * partitions ({@link PartitionKeys}). Entries without an image id (files that could not be
   * indexed) are left out. Plain collections of Kryo-registered classes, to be broadcast.
   */
  public record Lookup(HashMap<String, ArrayList<MapEntry>> maps, HashMap<String, Integer> keys) {}

  public static Lookup lookup(List<Row> entries, int partitions) {
    List<Map.Entry<String, ArrayList<MapEntry>>> images = imagesInFileOrder(entries);
    int[] keys = PartitionKeys.keysFor(partitions);
    HashMap<String, ArrayList<MapEntry>> maps = new HashMap<>();
    HashMap<String, Integer> keyOf = new HashMap<>();
    for (int i = 0; i < images.size(); i++) {
      String image = images.get(i).getKey();
      maps.put(image, images.get(i).getValue());
      // Image i of n in file order goes to partition i·partitions/n: equal contiguous runs.
      keyOf.put(image, keys[(int) ((long) i * partitions / images.size())]);
    }
    return new Lookup(maps, keyOf);
  }

  /**
   * Entries grouped per image (maps in index order, each row converted once), images ordered by
   * their first map's file and row.
   */
  private static List<Map.Entry<String, ArrayList<MapEntry>>> imagesInFileOrder(List<Row> entries) {
    Map<String, ArrayList<MapEntry>> maps = new LinkedHashMap<>();
    for (Row r : entries) {
      if (!r.isNullAt(0)) {
        maps.computeIfAbsent(r.getString(0), k -> new ArrayList<>())
            .add(MapEntry.fromRow(r.getStruct(1)));
      }
    }
    List<Map.Entry<String, ArrayList<MapEntry>>> images = new ArrayList<>(maps.entrySet());
    images.sort(java.util.Comparator
        .comparing((Map.Entry<String, ArrayList<MapEntry>> e) -> e.getValue().get(0).path())
        .thenComparingLong(e -> e.getValue().get(0).row())
        .thenComparing(Map.Entry::getKey));
    return images;
  }

  /** The flat index: one {@link MapEntry#INDEX_ROW} per map, Parquet page CRCs verified. */
  public static Dataset<Row> build(SparkSession spark, String path, String format) {
    return build(spark, path, format, true);
  }

  /**
   * The flat index; {@code verifyChecksums} ({@code maps.verify.checksums}) also has Spark verify
   * the CRCs of the Parquet pages it reads for the index (image ids, shapes, scales): a flipped bit
   * there would otherwise pool an image at a wrong scale or under another id, silently.
   */
  public static Dataset<Row> build(SparkSession spark, String path, String format,
      boolean verifyChecksums) {
    return build(spark, path, format, verifyChecksums, MapEntry.CHW);
  }

  /**
   * The flat index of maps whose values are in {@code layout} order ({@code maps.layout}: chw or
   * hwc): for .npy and safetensors it also says how to read the shape, (C, H, W) or (H, W, C).
   */
  public static Dataset<Row> build(SparkSession spark, String path, String format,
      boolean verifyChecksums, String layout) {
    boolean hwc = MapEntry.HWC.equals(layout.toLowerCase(Locale.ROOT));
    return switch (format) {
      case "parquet" -> parquet(spark, path, verifyChecksums, hwc);
      case "arrow" -> arrow(spark, path, hwc);
      case "npy" -> npy(spark, path, hwc);
      case "safetensors" -> safetensors(spark, path, hwc);
      default -> throw new IllegalArgumentException("option maps.format must be parquet | arrow | "
          + "npy | safetensors | auto, got '" + format + "'");
    };
  }

  static Dataset<Row> parquet(SparkSession spark, String path, boolean verifyChecksums,
      boolean hwc) {
    String layout = hwc ? MapEntry.HWC : MapEntry.CHW;
    Dataset<Row> raw = ParquetInputs.read(spark, path,
        Map.of("parquet.page.verify-checksum.enabled", String.valueOf(verifyChecksums)));
    List<String> names = Arrays.asList(raw.columns());
    MapColumns.require(names, "feature maps at " + path);
    List<Column> columns = new ArrayList<>(Arrays.asList(MapColumns.small(names)));
    columns.add(col("_metadata.file_path"));
    columns.add(col("_metadata.row_index"));
    Dataset<Row> small = raw.select(columns.toArray(Column[]::new));
    Dataset<Row> entries = small.mapPartitions((MapPartitionsFunction<Row, Row>) rows -> {
      List<Row> out = new ArrayList<>();
      while (rows.hasNext()) {
        Row r = rows.next();
        MapEntry e = MapColumns.entry(r, "parquet", r.getString(MapColumns.COUNT),
            r.getLong(MapColumns.COUNT + 1), layout, null);
        out.add(RowFactory.create(r.getString(0), e.toRow()));
      }
      return out.iterator();
    }, Encoders.row(MapEntry.INDEX_ROW));
    List<Row> empty = new ArrayList<>();
    try {
      for (String f : ParquetInputs.emptyDataFiles(spark, path)) {
        empty.add(RowFactory.create(null, new MapEntry("", "parquet", f, -1, -1, -1, -1, -1,
            Double.NaN, "unreadable Parquet file " + f + ": it is empty (0 bytes)").toRow()));
      }
    } catch (IOException e) {
      throw new InputException("cannot list feature maps at " + path + ": "
          + e.getMessage(), e);
    }
    // Like an Arrow file that cannot be read: one entry without an image per empty file.
    return empty.isEmpty() ? entries : entries.union(spark.createDataFrame(empty, MapEntry.INDEX_ROW));
  }

  /** The files of {@code path} ending in one of {@code endings}; none is an input error. */
  private static List<String> filesEnding(SparkSession spark, String path, String... endings) {
    List<String> files = new ArrayList<>();
    try {
      for (String f : listFiles(spark, path)) {
        String l = f.toLowerCase(Locale.ROOT);
        for (String e : endings) {
          if (l.endsWith(e)) {
            files.add(f);
            break;
          }
        }
      }
    } catch (IOException e) {
      throw new InputException("cannot list feature maps at " + path + ": " + e.getMessage(), e);
    }
    if (files.isEmpty()) {
      throw new InputException("no " + String.join("/", endings) + " files at " + path);
    }
    return files;
  }

  static Dataset<Row> arrow(SparkSession spark, String path, boolean hwc) {
    String layout = hwc ? MapEntry.HWC : MapEntry.CHW;
    List<String> files = filesEnding(spark, path, ".arrow", ".feather", ".ipc");
    return distribute(spark, files).mapPartitions((MapPartitionsFunction<String, Row>) it -> {
      List<Row> out = new ArrayList<>();
      Configuration conf = new Configuration();
      try (BufferAllocator allocator = new RootAllocator()) {
        while (it.hasNext()) {
          String file = it.next();
          for (Object[] e : ArrowMapFiles.index(conf, file, allocator)) {
            MapEntry entry = new MapEntry((String) e[1], "arrow", file, (Integer) e[2], (Long) e[3],
                (Integer) e[4], (Integer) e[5], (Integer) e[6], (Double) e[7], (String) e[8],
                e.length > 9 ? (String) e[9] : MapDtype.FLOAT32, layout);
            out.add(RowFactory.create(e[0], entry.toRow()));
          }
        }
      }
      return out.iterator();
    }, Encoders.row(MapEntry.INDEX_ROW));
  }

  static Dataset<Row> npy(SparkSession spark, String path, boolean hwc) {
    List<String> files = filesEnding(spark, path, ".npy");
    // Qualified like the listed files, so a relative maps.path still yields image/level names.
    String root = qualified(spark, path).toUri().getPath();
    return distribute(spark, files).mapPartitions((MapPartitionsFunction<String, Row>) it -> {
      List<Row> out = new ArrayList<>();
      Configuration conf = new Configuration();
      while (it.hasNext()) {
        String file = it.next();
        String[] idLevel = npyImageAndLevel(root, file);
        out.add(RowFactory.create(idLevel[0], npyEntry(conf, file, idLevel[1], hwc).toRow()));
      }
      return out.iterator();
    }, Encoders.row(MapEntry.INDEX_ROW));
  }

  /**
   * {@code root/<image>.safetensors}, one entry per tensor (level = tensor name), headers read by
   * executor tasks. A file whose header cannot be read is one entry without an image (like an
   * unreadable Arrow file), so its image's proposals are MAP_UNREADABLE rejects naming it.
   */
  static Dataset<Row> safetensors(SparkSession spark, String path, boolean hwc) {
    String layout = hwc ? MapEntry.HWC : MapEntry.CHW;
    List<String> files = filesEnding(spark, path, ".safetensors");
    String root = qualified(spark, path).toUri().getPath();
    return distribute(spark, files).mapPartitions((MapPartitionsFunction<String, Row>) it -> {
      List<Row> out = new ArrayList<>();
      Configuration conf = new Configuration();
      while (it.hasNext()) {
        String file = it.next();
        String image = imageOf(root, file, ".safetensors".length());
        Path p = new Path(file);
        try {
          FileSystem fs = p.getFileSystem(conf);
          long length = fs.getFileStatus(p).getLen();
          SafetensorsFile.Header header;
          try (DataInputStream in = new DataInputStream(fs.open(p))) {
            header = SafetensorsFile.readHeader(in, length, file);
          }
          for (SafetensorsFile.Tensor t : header.tensors().values()) {
            long[] chw = t.problem() == null ? NpyArrays.mapShape(t.shape(), hwc) : null;
            out.add(RowFactory.create(image, new MapEntry(t.name(), "safetensors", file, -1, -1,
                chw == null ? -1 : ShapeCheck.toInt(chw[0]), chw == null ? -1 : ShapeCheck.toInt(chw[1]),
                chw == null ? -1 : ShapeCheck.toInt(chw[2]), Double.NaN, t.problem())
                .withLayout(layout).toRow()));
          }
        } catch (IOException | RuntimeException e) {
          String problem = e.getMessage() != null && e.getMessage().startsWith("unreadable") ? e.getMessage()
              : "unreadable safetensors file " + file + ": " + e.getMessage();
          out.add(RowFactory.create(null, new MapEntry("", "safetensors", file, -1, -1, -1, -1, -1,
              Double.NaN, problem).toRow()));
        }
      }
      return out.iterator();
    }, Encoders.row(MapEntry.INDEX_ROW));
  }

  /** The path of {@code file} below {@code root} without its extension of {@code extLength}. */
  private static String imageOf(String root, String file, int extLength) {
    String p = new Path(file).toUri().getPath();
    String rel = p.startsWith(root) ? p.substring(root.length()) : new Path(file).getName();
    while (rel.startsWith("/")) {
      rel = rel.substring(1);
    }
    return rel.substring(0, rel.length() - extLength);
  }

  /** {@code root/<image>.npy} → (image, ""); {@code root/<image>/<level>.npy} → (image, level). */
  static String[] npyImageAndLevel(String root, String file) {
    String p = new Path(file).toUri().getPath();
    String rel = p.startsWith(root) ? p.substring(root.length()) : new Path(file).getName();
    while (rel.startsWith("/")) {
      rel = rel.substring(1);
    }
    String noExt = rel.substring(0, rel.length() - 4);
    int slash = noExt.lastIndexOf('/');
    if (slash < 0) {
      return new String[] {noExt, ""};
    }
    return new String[] {noExt.substring(0, slash), noExt.substring(slash + 1)};
  }

  /** The entry of one .npy file, its shape read as (C, H, W), or (H, W, C) when {@code hwc}. */
  private static MapEntry npyEntry(Configuration conf, String file, String level, boolean hwc) {
    String layout = hwc ? MapEntry.HWC : MapEntry.CHW;
    Path p = new Path(file);
    try (DataInputStream in = new DataInputStream(p.getFileSystem(conf).open(p))) {
      long[] shape = NpyArrays.readHeader(in);
      long[] chw = NpyArrays.mapShape(shape, hwc);
      String problem = null;
      long c = -1;
      long h = -1;
      long w = -1;
      if (chw == null) {
        problem = NpyArrays.mapShapeProblem(shape, file);
      } else {
        c = chw[0];
        h = chw[1];
        w = chw[2];
        problem = ShapeCheck.problem(c, h, w);
      }
      return new MapEntry(level, "npy", file, -1, -1, ShapeCheck.toInt(c), ShapeCheck.toInt(h),
          ShapeCheck.toInt(w), Double.NaN, problem).withLayout(layout);
    } catch (IOException | RuntimeException e) {
      return new MapEntry(level, "npy", file, -1, -1, -1, -1, -1, Double.NaN,
          "unreadable .npy header in " + file + ": " + e.getMessage()).withLayout(layout);
    }
  }

  private static Dataset<String> distribute(SparkSession spark, List<String> files) {
    int parallelism = Math.max(1, Math.min(files.size(),
        spark.sparkContext().defaultParallelism() * 2));
    return spark.createDataset(files, Encoders.STRING()).repartition(parallelism);
  }

  private static Path qualified(SparkSession spark, String path) {
    try {
      Path p = new Path(path);
      return p.getFileSystem(spark.sparkContext().hadoopConfiguration()).makeQualified(p);
    } catch (IOException e) {
      throw new InputException("cannot resolve feature map path " + path + ": "
          + e.getMessage(), e);
    }
  }

  /** Data files at {@code path} (a file, or a directory walked recursively), hidden files skipped. */
  public static List<String> listFiles(SparkSession spark, String path) throws IOException {
    Path p = new Path(path);
    FileSystem fs = p.getFileSystem(spark.sparkContext().hadoopConfiguration());
    FileStatus status = fs.getFileStatus(p);
    List<String> out = new ArrayList<>();
    if (status.isFile()) {
      out.add(status.getPath().toString());
      return out;
    }
    RemoteIterator<LocatedFileStatus> it = fs.listFiles(p, true);
    while (it.hasNext()) {
      LocatedFileStatus f = it.next();
      String name = f.getPath().getName();
      if (name.startsWith(".") || name.startsWith("_")) {
        continue;
      }
      out.add(f.getPath().toString());
    }
    out.sort(String::compareTo);
    return out;
  }

  /** Schema check helper for tests. */
  public static StructType schema() {
    return MapEntry.INDEX_ROW;
  }

  static Iterator<Row> none() {
    return java.util.Collections.emptyIterator();
  }
}
