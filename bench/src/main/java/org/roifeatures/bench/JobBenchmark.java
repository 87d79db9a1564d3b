package org.roifeatures.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.fs.ContentSummary;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.DataFrameWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.roifeatures.spark.BinaryVectorColumn;
import org.roifeatures.spark.cli.Inspect;
import org.roifeatures.spark.conf.JobConfig;
import org.roifeatures.spark.conf.JobOptions;
import org.roifeatures.spark.JobSummary;
import org.roifeatures.spark.cli.RoiFeaturesCli;
import org.roifeatures.spark.RoiFeaturesJob;
import org.roifeatures.spark.parquet.FeatureParquetFormat;
import org.roifeatures.spark.sample.SampleGenerator;

/**
 * The job benchmark ({@code bin/roi-features bench}, which runs {@link #main} with the bench jar on
 * the class path; not part of the shipped job jar): on generated sample data (N images × R RoIs, C
 * channels, 7×7, one and four FPN levels), times the whole job per output format and precision, and a
 * plain Spark job that writes the same number of same-length binary vectors without computing them —
 * the ceiling a Parquet-bound job can reach. Prints one table row per run.
 */
public final class JobBenchmark {

  /** One timed run. */
  record Result(String name, long rows, double seconds, long bytes, JobSummary summary) {
    double rowsPerSecond() {
      return rows / seconds;
    }
  }

  private JobBenchmark() {}

  /**
   * {@code --out DIR --images N --rois N --channels N --level-counts 1,4 --formats F/P[/C],...
   * --repeat N --map-dtype float32|float16|bfloat16} and any run option as {@code --key value},
   * applied to every timed job.
   */
  public static void main(String[] args) throws Exception {
    Map<String, String> options = new LinkedHashMap<>();
    Map<String, String> jobOptions = new LinkedHashMap<>();
    String master = null;
    for (int i = 0; i < args.length; i++) {
      if (!args[i].startsWith("--") || i + 1 >= args.length) {
        System.err.println("roi-features bench: expected --key value pairs, got '" + args[i] + "'");
        System.exit(2);
      }
      String key = args[i].substring(2);
      String value = args[++i];
      if (key.equals("master")) {
        master = value;
      } else if (JobOptions.byKey().containsKey(key)) {
        jobOptions.put(key, value);
      } else {
        options.put(key, value);
      }
    }
    try (SparkSession spark = RoiFeaturesCli.session(master)) {
      run(spark, options, jobOptions, System.out);
    } catch (IllegalArgumentException e) {
      System.err.println("roi-features bench: " + e.getMessage());
      System.exit(2);
    }
  }

  /**
   * Runs everything and prints the table; {@code options} are the CLI's sample options,
   * {@code jobOptions} run options applied to every timed job (paths and output format excepted).
   */
  static List<Result> run(SparkSession spark, Map<String, String> options,
      Map<String, String> jobOptions, PrintStream out) throws IOException {
    int images = Integer.parseInt(options.getOrDefault("images", "20"));
    int rois = Integer.parseInt(options.getOrDefault("rois", "1000"));
    int channels = Integer.parseInt(options.getOrDefault("channels", "256"));
    Path dir = Path.of(options.getOrDefault("out", "target/bench-data"));
    List<Format> formats = new ArrayList<>();
    for (String f : options.getOrDefault("formats", "binary/float32,binary/float16,"
        + "binary/bfloat16,binary/float32/zstd,array/float32,vector/float32").split(",")) {
      formats.add(Format.parse(f));
    }
    int repeat = Integer.parseInt(options.getOrDefault("repeat", "1"));
    // The maps' value type: 16-bit maps are a copy of the float32 ones (MapDtypeCopy).
    String mapDtype = options.getOrDefault("map-dtype", "float32");
    if (repeat < 1) {
      throw new IllegalArgumentException("--repeat must be >= 1, got " + repeat);
    }
    List<Integer> levelCounts = new ArrayList<>();
    for (String l : options.getOrDefault("level-counts", "1,4").split(",")) {
      levelCounts.add(Integer.parseInt(l.trim()));
    }
    List<Result> results = new ArrayList<>();
    out.printf("roi-features job benchmark: %d images x %d RoIs, %d channels, 7x7, %s maps, "
        + "master %s, kernels %s, %s%n", images, rois, channels, mapDtype,
        spark.sparkContext().master(),
        org.roifeatures.ops.RoiAlign.kernelName(),
        repeat == 1 ? "one timing per run" : "fastest of " + repeat + " timings per run");
    if (!jobOptions.isEmpty()) {
      out.printf("job options: %s%n", jobOptions);
    }
    out.printf("%-38s %10s %9s %10s %9s %10s%n", "run", "RoIs", "seconds", "RoIs/s", "MB/s",
        "file MB");
    warmUp(spark, dir, formats, channels, rois, mapDtype, jobOptions, out);
    for (int levels : levelCounts) {
      Path data = dir.resolve("data_" + levels + "level");
      if (!Files.exists(data.resolve("proposals_parquet"))) {
        SampleGenerator.generate(spark, data, new SampleGenerator.Spec(images, levels, channels, rois,
            rois, 384, 512, 11), false);
      }
      String op = levels == 1 ? "roi_align" : "multiscale_roi_align";
      Path maps = MapDtypeCopy.maps(spark, data, mapDtype);
      String float32Output = null;
      for (Format fmt : formats) {
        String name = levels + " level " + op.replace("_roi_align", "") + " " + fmt.spec();
        Result r = print(out, fastest(repeat,
            () -> timeJob(spark, data, maps, dir.resolve("out"), name, op, fmt, jobOptions)));
        results.add(r);
        if (fmt.spec().equals("binary/float32")) {
          float32Output = r.summary().outputPath();
        } else if (fmt.vector().equals("binary") && !fmt.precision().equals("float32")
            && float32Output != null) {
          out.println("    " + precisionError(spark, float32Output, r.summary().outputPath()));
        }
      }
      long n = results.get(results.size() - 1).rows();
      Path plain = dir.resolve("out").resolve("plain");
      for (PlainWriter writer : PlainWriter.values()) {
        results.add(print(out, fastest(repeat, () -> timePlainWriter(spark, plain, n,
            channels * 49, writer))));
      }
    }
    return results;
  }

  /**
   * Runs every format once on a small data set before anything is timed, as JMH warms up: the vector
   * kernels and encoders run 10–50× slower until C2 has compiled them, and on two busy cores their
   * compilation waits behind Spark's own code for seconds. Prints what that first contact cost.
   */
  private static void warmUp(SparkSession spark, Path dir, List<Format> formats, int channels,
      int rois, String mapDtype, Map<String, String> jobOptions, PrintStream out)
      throws IOException {
    Path data = dir.resolve("data_warmup");
    if (!Files.exists(data.resolve("proposals_parquet"))) {
      SampleGenerator.generate(spark, data, new SampleGenerator.Spec(4, 1, channels, rois, rois, 384,
          512, 13), false);
    }
    Path maps = MapDtypeCopy.maps(spark, data, mapDtype);
    long t0 = System.nanoTime();
    for (Format fmt : formats) {
      timeJob(spark, data, maps, dir.resolve("out"), "warmup " + fmt.spec(), "roi_align", fmt,
          jobOptions);
    }
    out.printf("warm-up (not in the table): every format once on 4 images x %d RoIs, %.1f s%n", rois,
        (System.nanoTime() - t0) / 1e9);
  }

  /**
   * Error of a reduced-precision output against the float32 output, over the RoIs of one image:
   * the largest |Δ| relative to the largest |value| of its vector, and the mean |Δ| / mean |value|.
   */
  static String precisionError(SparkSession spark, String float32Path, String reducedPath) {
    Dataset<Row> full = spark.read().parquet(float32Path);
    Dataset<Row> reduced = spark.read().parquet(reducedPath);
    Map<String, String> meta = Inspect.vectorMetadata(reduced);
    String image = full.select("image_id").first().getString(0);
    Map<Long, float[]> want = new HashMap<>();
    for (Row r : full.filter(functions.col("image_id").equalTo(image)).collectAsList()) {
      want.put(r.getLong(r.fieldIndex("roi_id")), Inspect.decode(r.getAs("features"), Map.of()));
    }
    double worst = 0;
    double sumDiff = 0;
    double sumAbs = 0;
    for (Row r : reduced.filter(functions.col("image_id").equalTo(image)).collectAsList()) {
      float[] w = want.get(r.getLong(r.fieldIndex("roi_id")));
      float[] g = Inspect.decode(r.getAs("features"), meta);
      double peak = 0;
      double maxDiff = 0;
      for (int i = 0; i < w.length; i++) {
        peak = Math.max(peak, Math.abs(w[i]));
        double d = Math.abs(w[i] - g[i]);
        maxDiff = Math.max(maxDiff, d);
        sumDiff += d;
        sumAbs += Math.abs(w[i]);
      }
      if (peak > 0) {
        worst = Math.max(worst, maxDiff / peak);
      }
    }
    return String.format("error vs float32 (%s, %d RoIs): max |d|/max|v| %.2e, mean |d|/mean |v| %.2e",
        meta.get("roi_features.dtype"), want.size(), worst, sumAbs > 0 ? sumDiff / sumAbs : 0.0);
  }

  private static Result print(PrintStream out, Result r) {
    out.printf("%-38s %,10d %9.2f %,10.0f %9.1f %10.1f%n", r.name(), r.rows(), r.seconds(),
        r.rowsPerSecond(), r.bytes() / 1e6 / r.seconds(), r.bytes() / 1e6);
    if (r.summary() != null && r.summary().timing() != null) {
      JobSummary.Timing t = r.summary().timing();
      long images = Math.max(1, r.summary().imagesPooled());
      out.printf("    features pass %.2f s wall; task-seconds: read %.2f (%.3f per image), pool %.2f,"
          + " encode %.2f%n", t.featurePassSeconds(), t.readTaskSeconds(),
          t.readTaskSeconds() / images, t.poolTaskSeconds(), t.encodeTaskSeconds());
      out.printf("    phases: %s%n", t.phases());
    }
    return r;
  }

  /** The plain writers timed: Spark's with its defaults and with the job's options, and the job's. */
  enum PlainWriter {
    SPARK_DEFAULTS("plain writer, binary float32"),
    SPARK_JOB_OPTIONS("plain writer + job's column options"),
    ROI_FEATURES("plain writer, roi-features writer");

    final String label;

    PlainWriter(String label) {
      this.label = label;
    }
  }

  /** One output format of the bench: {@code vector/precision[/codec]}, snappy when no codec is given. */
  record Format(String spec, String vector, String precision, String codec) {
    static Format parse(String text) {
      String spec = text.trim();
      String[] parts = spec.split("/");
      if (parts.length < 2 || parts.length > 3) {
        throw new IllegalArgumentException("bench format '" + spec
            + "' is not vector/precision[/codec], e.g. binary/float16/zstd");
      }
      return new Format(spec, parts[0], parts[1], parts.length > 2 ? parts[2] : "snappy");
    }
  }

  /** One timed run; thrown I/O errors pass through. */
  private interface Timed {
    Result run() throws IOException;
  }

  /**
   * The fastest of {@code repeat} runs: on a shared two-core machine a run's time varies by ±30% with
   * what else runs, and the minimum is the figure that repeats (as JMH's users report min or mean).
   */
  private static Result fastest(int repeat, Timed run) throws IOException {
    Result best = null;
    for (int i = 0; i < repeat; i++) {
      Result r = run.run();
      if (best == null || r.seconds() < best.seconds()) {
        best = r;
      }
    }
    return best;
  }

  static Result timeJob(SparkSession spark, Path data, Path maps, Path outDir, String name,
      String op, Format format, Map<String, String> jobOptions) throws IOException {
    Map<String, String> o = new LinkedHashMap<>();
    o.put(JobOptions.OP, op);
    o.put(JobOptions.SAMPLING_RATIO, "2");
    o.putAll(jobOptions);
    o.put(JobOptions.MAPS_PATH, maps.toString());
    o.put(JobOptions.PROPOSALS_PATH, data.resolve("proposals_parquet").toString());
    o.put(JobOptions.VECTOR_FORMAT, format.vector());
    o.put(JobOptions.PRECISION, format.precision());
    o.put(JobOptions.COMPRESSION, format.codec());
    o.put(JobOptions.SAVE_MODE, "overwrite");
    String path = outDir.resolve(name.replaceAll("[^A-Za-z0-9]+", "_")).toString();
    o.put(JobOptions.OUTPUT_PATH, path);
    removeEarlierOutput(spark, path);
    removeEarlierOutput(spark, path + "_rejects");
    long t0 = System.nanoTime();
    JobSummary s = RoiFeaturesJob.run(spark, JobConfig.of(o));
    double seconds = (System.nanoTime() - t0) / 1e9;
    return new Result(name, s.roisWritten(), seconds, bytes(spark, path), s);
  }

  /**
   * Writes {@code rows} binary vectors of {@code floats} float32 values each: no reading, no pooling.
   * Each row is a copy of one of 64 pre-made post-ReLU vectors with its first 8 bytes set to the row
   * number (so no two rows are equal), which costs one array copy per row, as the job's encoding does.
   * {@code writer}: Spark's Parquet writer with its defaults or with the job's options for the
   * features column, or the job's own writer ({@link FeatureParquetFormat}).
   */
  static Result timePlainWriter(SparkSession spark, Path out, long rows, int floats,
      PlainWriter writer) throws IOException {
    String name = writer.label;
    StructType schema = new StructType().add("image_id", DataTypes.StringType, false)
        .add("roi_id", DataTypes.LongType, false).add("features", DataTypes.BinaryType, false);
    int partitions = spark.sparkContext().defaultParallelism();
    removeEarlierOutput(spark, out.toString());
    long t0 = System.nanoTime();
    DataFrameWriter<Row> w = spark.range(0, rows, 1, partitions).mapPartitions(
        (MapPartitionsFunction<Long, Row>) ids -> {
          byte[][] pool = plainVectors(64, floats);
          return new java.util.Iterator<Row>() {
            @Override
            public boolean hasNext() {
              return ids.hasNext();
            }

            @Override
            public Row next() {
              long i = ids.next();
              byte[] b = pool[(int) (i & 63)].clone();
              for (int k = 0; k < 8; k++) {
                b[k] = (byte) (i >>> (8 * k));
              }
              return RowFactory.create("img_" + (i / 1000), i, b);
            }
          };
        }, Encoders.row(schema)).write().mode(SaveMode.Overwrite).option("compression", "snappy");
    if (writer != PlainWriter.SPARK_DEFAULTS) {
      w = BinaryVectorColumn.options(w);
    }
    w.format(writer == PlainWriter.ROI_FEATURES ? FeatureParquetFormat.class.getName() : "parquet")
        .save(out.toString());
    double seconds = (System.nanoTime() - t0) / 1e9;
    return new Result(name, rows, seconds, bytes(spark, out.toString()), null);
  }

  /** {@code n} vectors of float32 LE bytes: uniform in [-1, 1) through a ReLU (half zeros). */
  private static byte[][] plainVectors(int n, int floats) {
    byte[][] pool = new byte[n][4 * floats];
    java.util.SplittableRandom random = new java.util.SplittableRandom(11);
    for (byte[] b : pool) {
      java.nio.ByteBuffer bb = java.nio.ByteBuffer.wrap(b).order(java.nio.ByteOrder.LITTLE_ENDIAN);
      for (int k = 0; k < floats; k++) {
        bb.putFloat(Math.max(0f, (float) random.nextDouble(-1, 1)));
      }
    }
    return pool;
  }

  /**
   * Deletes what an earlier run wrote at {@code path} before the clock starts: removing 0.7 GB of
   * Parquet took 1.1–1.6 s on this machine's disk, which overwrite mode would otherwise charge to
   * whichever run comes next (a real job writes to a new path).
   */
  private static void removeEarlierOutput(SparkSession spark, String path) throws IOException {
    org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(path);
    FileSystem fs = p.getFileSystem(spark.sparkContext().hadoopConfiguration());
    if (fs.exists(p) && !fs.delete(p, true)) {
      throw new IOException("cannot delete the earlier bench output " + path);
    }
  }

  private static long bytes(SparkSession spark, String path) throws IOException {
    org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(path);
    FileSystem fs = p.getFileSystem(spark.sparkContext().hadoopConfiguration());
    ContentSummary cs = fs.getContentSummary(p);
    return cs.getLength();
  }
}
