package org.roifeatures.spark.sample;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.roifeatures.spark.io.ArrowMapFiles;
import org.roifeatures.spark.io.FloatBlobs;
import org.roifeatures.spark.io.NpyArrays;

/**
 * Writes a synthetic data set in every input format the job reads: feature maps as Parquet
 * ({@code maps_parquet/}), Arrow IPC ({@code maps_arrow/*.arrow}) and .npy
 * ({@code maps_npy/<image>/<level>.npy} with {@code _scales.properties}), and the same proposals as
 * Parquet, CSV and JSON. Maps are post-ReLU-like (many zeros), boxes log-uniform in size like a
 * detector's proposals. Deterministic for a given seed.
 */
public final class SampleGenerator {

  /** What to generate. */
  public record Spec(int images, int levels, int channels, int minRois, int maxRois, int imageHeight,
      int imageWidth, long seed) {

    public Spec {
      if (images <= 0 || levels <= 0 || levels > 5 || channels <= 0 || minRois < 0
          || maxRois < minRois || imageHeight < 32 || imageWidth < 32) {
        throw new IllegalArgumentException("bad sample spec: " + images + " images, " + levels
            + " levels (1..5), " + channels + " channels, rois " + minRois + ".." + maxRois
            + ", image " + imageHeight + "x" + imageWidth + " (>= 32)");
      }
    }

    /** Default: 50 images, 3 FPN levels, 256 channels, 300–1000 proposals each. */
    public static Spec defaults() {
      return new Spec(50, 3, 256, 300, 1000, 384, 512, 7);
    }

    /** Level names finest first: p3..p5 for 3 levels (strides 8, 16, 32). */
    public String[] levelNames() {
      String[] names = new String[levels];
      int first = levels >= 4 ? 2 : 3;
      for (int i = 0; i < levels; i++) {
        names[i] = "p" + (first + i);
      }
      return names;
    }

    public int stride(int level) {
      return 1 << Integer.parseInt(levelNames()[level].substring(1));
    }
  }

  public static final StructType MAP_SCHEMA = new StructType()
      .add("image_id", DataTypes.StringType, false)
      .add("level", DataTypes.StringType, true)
      .add("channels", DataTypes.IntegerType, false)
      .add("height", DataTypes.IntegerType, false)
      .add("width", DataTypes.IntegerType, false)
      .add("spatial_scale", DataTypes.DoubleType, false)
      .add("data", DataTypes.BinaryType, false);

  public static final StructType PROPOSAL_SCHEMA = new StructType()
      .add("image_id", DataTypes.StringType, false)
      .add("x1", DataTypes.DoubleType, false)
      .add("y1", DataTypes.DoubleType, false)
      .add("x2", DataTypes.DoubleType, false)
      .add("y2", DataTypes.DoubleType, false)
      .add("score", DataTypes.DoubleType, true)
      .add("label", DataTypes.IntegerType, true);

  private SampleGenerator() {}

  /** Writes the data set under {@code out} in every format and returns the number of proposals. */
  public static long generate(SparkSession spark, Path out, Spec spec) throws IOException {
    return generate(spark, out, spec, true);
  }

  /**
   * Writes the data set under {@code out} and returns the number of proposals; with
   * {@code allFormats = false} only Parquet maps and proposals (for benchmarks).
   */
  public static long generate(SparkSession spark, Path out, Spec spec, boolean allFormats)
      throws IOException {
    Files.createDirectories(out);
    Random rnd = new Random(spec.seed());
    String[] levels = spec.levelNames();
    List<Row> mapRows = new ArrayList<>();
    List<Row> proposalRows = new ArrayList<>();
    List<ArrowMapFiles.MapRecord> arrowBatch = new ArrayList<>();
    Path npyRoot = out.resolve("maps_npy");
    Path arrowRoot = out.resolve("maps_arrow");
    Files.createDirectories(npyRoot);
    Files.createDirectories(arrowRoot);
    StringBuilder scales = new StringBuilder();
    for (int l = 0; l < levels.length; l++) {
      scales.append(levels[l]).append('=').append(1.0 / spec.stride(l)).append('\n');
    }
    Files.writeString(npyRoot.resolve("_scales.properties"), scales.toString());
    int arrowFile = 0;
    try (BufferAllocator allocator = new RootAllocator()) {
      for (int i = 0; i < spec.images(); i++) {
        String id = String.format("img_%04d", i);
        Files.createDirectories(npyRoot.resolve(id));
        for (int l = 0; l < levels.length; l++) {
          int stride = spec.stride(l);
          int h = Math.max(1, spec.imageHeight() / stride);
          int w = Math.max(1, spec.imageWidth() / stride);
          float[] map = featureMap(rnd, spec.channels(), h, w);
          byte[] blob = FloatBlobs.encode(map, 0, map.length);
          mapRows.add(RowFactory.create(id, levels[l], spec.channels(), h, w, 1.0 / stride, blob));
          if (allFormats) {
            arrowBatch.add(new ArrowMapFiles.MapRecord(id, levels[l], spec.channels(), h, w,
                1.0 / stride, blob));
            try (OutputStream os = Files.newOutputStream(
                npyRoot.resolve(id).resolve(levels[l] + ".npy"))) {
              NpyArrays.write(os, new long[] {spec.channels(), h, w}, map);
            }
          }
        }
        int n = spec.minRois() + rnd.nextInt(spec.maxRois() - spec.minRois() + 1);
        for (int k = 0; k < n; k++) {
          proposalRows.add(proposal(rnd, id, spec.imageHeight(), spec.imageWidth()));
        }
        if (!arrowBatch.isEmpty() && (arrowBatch.size() >= 8 * levels.length
            || i == spec.images() - 1)) {
          try (OutputStream os = Files.newOutputStream(
              arrowRoot.resolve(String.format("maps-%03d.arrow", arrowFile++)))) {
            ArrowMapFiles.write(os, arrowBatch, levels.length, allocator);
          }
          arrowBatch.clear();
        }
        if (mapRows.size() >= 16 * levels.length || i == spec.images() - 1) {
          // Maps are large random-ish binaries: dictionary encoding only costs time and memory. One
          // row per page lets a task read just its own maps' pages through the offset index
          // (Parquet checks the page size only every 100+ rows, so maps would share huge pages).
          spark.createDataFrame(mapRows, MAP_SCHEMA).coalesce(1).write().mode(SaveMode.Append)
              .option("parquet.enable.dictionary", "false")
              .option("parquet.page.row.count.limit", "1")
              .option("parquet.page.size.row.check.min", "1")
              .option("parquet.page.size.row.check.max", "1")
              .parquet(out.resolve("maps_parquet").toString());
          mapRows.clear();
        }
      }
    }
    var proposals = spark.createDataFrame(proposalRows, PROPOSAL_SCHEMA).coalesce(1);
    proposals.write().mode(SaveMode.Overwrite).parquet(out.resolve("proposals_parquet").toString());
    if (allFormats) {
      proposals.write().mode(SaveMode.Overwrite).option("header", "true")
          .csv(out.resolve("proposals_csv").toString());
      proposals.write().mode(SaveMode.Overwrite).json(out.resolve("proposals_json").toString());
    }
    return proposalRows.size();
  }

  /** Smooth blobs plus noise through a ReLU: realistic sparsity for compression tests. */
  static float[] featureMap(Random rnd, int c, int h, int w) {
    float[] m = new float[c * h * w];
    for (int ch = 0; ch < c; ch++) {
      double fy = 0.2 + rnd.nextDouble();
      double fx = 0.2 + rnd.nextDouble();
      double phase = rnd.nextDouble() * 6.283;
      double bias = rnd.nextGaussian() * 0.5 - 0.3;
      int base = ch * h * w;
      for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
          double v = Math.sin(fy * y + phase) * Math.cos(fx * x) + bias + 0.3 * rnd.nextGaussian();
          m[base + y * w + x] = (float) Math.max(0, v);
        }
      }
    }
    return m;
  }

  static Row proposal(Random rnd, String id, int imgH, int imgW) {
    double cx = rnd.nextDouble() * imgW;
    double cy = rnd.nextDouble() * imgH;
    double bw = Math.exp(Math.log(8) + rnd.nextDouble() * (Math.log(imgW * 0.9) - Math.log(8)));
    double bh = Math.exp(Math.log(8) + rnd.nextDouble() * (Math.log(imgH * 0.9) - Math.log(8)));
    double x1 = Math.max(0, cx - bw / 2);
    double y1 = Math.max(0, cy - bh / 2);
    double x2 = Math.min(imgW, cx + bw / 2);
    double y2 = Math.min(imgH, cy + bh / 2);
    // Round to 1/16 pixel, as detectors' float32 boxes are exactly representable anyway.
    return RowFactory.create(id, Math.round(x1 * 16) / 16.0, Math.round(y1 * 16) / 16.0,
        Math.round(x2 * 16) / 16.0, Math.round(y2 * 16) / 16.0,
        Math.round(rnd.nextDouble() * 1e4) / 1e4, rnd.nextInt(80));
  }
}
