package org.roifeatures.spark;

import org.roifeatures.spark.conf.JobOptions;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.BufferedWriter;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.roifeatures.ops.FeatureMap;
import org.roifeatures.ops.PoolingMode;
import org.roifeatures.ops.RoiAlign;
import org.roifeatures.ops.RoiAlignParams;
import org.roifeatures.spark.io.FloatBlobs;
import org.roifeatures.spark.io.NpyArrays;
import org.roifeatures.spark.sample.SampleGenerator;

/**
 * The two shapes of load that stress different parts of the job, at a size that still runs in a few
 * minutes on two busy cores: one image with a large map and many proposals (one task holds a 61 MB
 * map and pools 5000 RoIs in batches), and many images with one proposal each (per-image costs of the
 * index, join, plan and map loading dominate). Every row is checked against its input
 * line: keys (none missing, duplicated or extra), pass-through columns, and the vector core-ops
 * computes from the input box; timings are printed for the record.
 */
class ScaleTest extends SparkTestBase {

  private static final RoiAlignParams PARAMS_LARGE = new RoiAlignParams(2, 2, 0.125, 2, true,
      PoolingMode.AVG);
  private static final RoiAlignParams PARAMS_MANY = new RoiAlignParams(2, 2, 0.25, 2, true,
      PoolingMode.AVG);

  private static Path dir;

  @BeforeAll
  static void setUp() throws Exception {
    dir = tempDir("scale");
  }

  @AfterAll
  static void cleanup() throws Exception {
    deleteTree(dir);
  }

  @Test
  void oneLargeMapWithFiveThousandProposals() throws Exception {
    int c = 256;
    int h = 200;
    int w = 300;
    int n = 5000;
    Random rnd = new Random(1);
    float[] data = new float[c * h * w]; // 61.4 MB as float32
    for (int i = 0; i < data.length; i++) {
      data[i] = rnd.nextFloat() * 2 - 1;
    }
    Path maps = dir.resolve("large_maps");
    Files.createDirectories(maps);
    try (OutputStream os = Files.newOutputStream(maps.resolve("big.npy"))) {
      NpyArrays.write(os, new long[] {c, h, w}, data);
    }
    // Boxes anywhere in the 2400x1600 image the map covers at scale 1/8, some partly outside.
    Path csv = dir.resolve("large.csv");
    try (BufferedWriter out = Files.newBufferedWriter(csv)) {
      out.write("image_id,roi_id,x1,y1,x2,y2\n");
      for (int i = 0; i < n; i++) {
        double x1 = rnd.nextDouble() * 2500 - 50;
        double y1 = rnd.nextDouble() * 1700 - 50;
        out.write("big," + i + "," + x1 + "," + y1 + "," + (x1 + 8 + rnd.nextDouble() * 400) + ","
            + (y1 + 8 + rnd.nextDouble() * 400) + "\n");
      }
    }
    String output = dir.resolve("large_out").toString();
    long t0 = System.nanoTime();
    JobSummary s = runJob(JobOptions.MAPS_PATH, maps.toString(), JobOptions.MAPS_SCALES, "0.125",
        JobOptions.PROPOSALS_PATH, csv.toString(), JobOptions.OP, "roi_align",
        JobOptions.POOLED_HEIGHT, "2", JobOptions.POOLED_WIDTH, "2", JobOptions.SAMPLING_RATIO, "2",
        JobOptions.ALIGNED, "true", JobOptions.OUTPUT_PATH, output);
    double seconds = (System.nanoTime() - t0) / 1e9;
    System.out.printf("ScaleTest large map: %d RoIs from one %dx%dx%d map in %.1f s (%s)%n", n, c,
        h, w, seconds, s.timing());

    assertEquals(n, s.proposals());
    assertEquals(n, s.roisWritten());
    assertEquals(1, s.imagesPooled());
    assertEquals(0, s.rejected());
    // Every row against core-ops on the box of its CSV line, all boxes in one call (one layout copy).
    Map<InputRecords.Key, InputRecords.Proposal> in = InputRecords.csv(csv);
    assertEquals(n, in.size());
    List<InputRecords.Key> keys = List.copyOf(in.keySet());
    float[] boxes = new float[4 * keys.size()];
    for (int i = 0; i < keys.size(); i++) {
      System.arraycopy(in.get(keys.get(i)).box(), 0, boxes, 4 * i, 4);
    }
    float[] all = RoiAlign.forward(FeatureMap.chw(data, c, h, w), boxes, PARAMS_LARGE);
    int len = c * 4;
    Map<InputRecords.Key, float[]> want = new HashMap<>();
    for (int i = 0; i < keys.size(); i++) {
      want.put(keys.get(i), Arrays.copyOfRange(all, i * len, (i + 1) * len));
    }
    List<Row> rows = spark.read().parquet(output).collectAsList();
    ExpectedOutput.of(in, p -> ExpectedOutput.Pooled.of(want.get(p.key()), ExpectedOutput.ANY_LEVEL))
        .assertMatches(rows, "large map");
  }

  @Test
  void tenThousandImagesWithOneProposalEach() throws Exception {
    int images = 10_000;
    int c = 8;
    int h = 8;
    int w = 8;
    Map<String, float[]> maps = new HashMap<>();
    List<Row> mapRows = new ArrayList<>(images);
    Random rnd = new Random(2);
    StringBuilder csv = new StringBuilder("image_id,roi_id,x1,y1,x2,y2\n");
    for (int i = 0; i < images; i++) {
      String id = String.format("im_%05d", i);
      float[] m = new float[c * h * w];
      for (int k = 0; k < m.length; k++) {
        m[k] = rnd.nextFloat();
      }
      maps.put(id, m);
      mapRows.add(RowFactory.create(id, "p3", c, h, w, 0.25, FloatBlobs.encode(m, 0, m.length)));
      double x1 = rnd.nextDouble() * 24;
      double y1 = rnd.nextDouble() * 24;
      csv.append(id).append(",0,").append(x1).append(',').append(y1).append(',')
          .append(x1 + 2 + rnd.nextDouble() * 10).append(',').append(y1 + 2 + rnd.nextDouble() * 10)
          .append('\n');
    }
    String mapsPath = dir.resolve("many_maps").toString();
    // A handful of files, images spread over them in random order (not sorted by image id).
    spark.createDataFrame(mapRows, SampleGenerator.MAP_SCHEMA).repartition(4).write().parquet(mapsPath);
    Path proposals = dir.resolve("many.csv");
    Files.writeString(proposals, csv.toString());

    String output = dir.resolve("many_out").toString();
    long t0 = System.nanoTime();
    JobSummary s = runJob(JobOptions.MAPS_PATH, mapsPath, JobOptions.PROPOSALS_PATH,
        proposals.toString(), JobOptions.OP, "roi_align", JobOptions.POOLED_HEIGHT, "2",
        JobOptions.POOLED_WIDTH, "2", JobOptions.SAMPLING_RATIO, "2", JobOptions.ALIGNED, "true",
        JobOptions.OUTPUT_PATH, output);
    double seconds = (System.nanoTime() - t0) / 1e9;
    System.out.printf("ScaleTest many images: %d images x 1 RoI in %.1f s (%s)%n", images, seconds,
        s.timing());

    assertEquals(images, s.proposals());
    assertEquals(images, s.imagesPooled());
    assertEquals(images, s.roisWritten());
    assertEquals(0, s.rejected());
    // Every row: a map read from the wrong file row would show up here as a wrong vector.
    Map<InputRecords.Key, InputRecords.Proposal> in = InputRecords.csv(proposals);
    assertEquals(images, in.size());
    ExpectedOutput.of(in, p -> ExpectedOutput.Pooled.of(RoiAlign.forward(
        FeatureMap.chw(maps.get(p.imageId()), c, h, w), p.box(), PARAMS_MANY), "p3"))
        .assertMatches(spark.read().parquet(output).collectAsList(), "many images");
  }
}
