package org.roifeatures.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.AbstractMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
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
import org.roifeatures.ops.RoiPool;
import org.roifeatures.ops.RoiPoolParams;
import org.roifeatures.spark.conf.JobOptions;
import org.roifeatures.spark.io.FloatBlobs;
import org.roifeatures.spark.io.NpyArrays;
import org.roifeatures.spark.io.SafetensorsFile;
import org.roifeatures.spark.sample.SampleGenerator;

/**
 * {@code maps.layout=hwc}: the same maps written channels last ((H, W, C) and (1, H, W, C) .npy,
 * safetensors, Parquet blobs in H, W, C order) give bit-identical vectors to the channels-first
 * files, and both equal core-ops' on the channels-first map, for a vectorised op (roi_align), a
 * scalar one (roi_pool) and one that holds two levels of an image at once (multiscale_roi_align).
 */
class MapLayoutTest extends SparkTestBase {

  private static final int C = 5;
  /** Level p2 is H x W at scale 1/4, level p3 (H+1)/2 x (W+1)/2 at 1/8. */
  private static final int H = 7;
  private static final int W = 11;
  private static final double SCALE = 0.25;
  private static final List<String> LEVELS = List.of("p2", "p3");
  private static final List<String> IMAGES = List.of("i0", "i1");
  private static final String PROPOSALS = "image_id,x1,y1,x2,y2\n"
      + "i0,0,0,16,12\ni0,3.5,2.25,40,27\ni0,-6,-4,50,30\ni1,8,8,9,9.5\ni1,1,20,44,28\n";

  private static Path dir;
  /** image/level -> channels-first values. */
  private static final Map<String, float[]> CHW = new HashMap<>();

  @BeforeAll
  static void setUp() throws Exception {
    dir = tempDir("layout");
    for (String id : IMAGES) {
      for (String level : LEVELS) {
        Random r = new Random((id + level).hashCode());
        float[] m = new float[C * h(level) * w(level)];
        for (int i = 0; i < m.length; i++) {
          m[i] = r.nextFloat() * 2 - 1;
        }
        CHW.put(id + "/" + level, m);
      }
    }
    Files.writeString(dir.resolve("proposals.csv"), PROPOSALS);
  }

  @AfterAll
  static void cleanup() throws Exception {
    deleteTree(dir);
  }

  private static int h(String level) {
    return level.equals("p2") ? H : (H + 1) / 2;
  }

  private static int w(String level) {
    return level.equals("p2") ? W : (W + 1) / 2;
  }

  /** The channels-last copy of a channels-first map of {@code pixels} pixels. */
  private static float[] hwc(float[] chw) {
    int pixels = chw.length / C;
    float[] out = new float[chw.length];
    for (int c = 0; c < C; c++) {
      for (int p = 0; p < pixels; p++) {
        out[p * C + c] = chw[c * pixels + p];
      }
    }
    return out;
  }

  @Test
  void channelsLastMapsGiveBitIdenticalVectorsInEveryFormat() throws Exception {
    Map<String, List<String>> ops = Map.of("npy", List.of("roi_align", "multiscale_roi_align"),
        "npy_batched", List.of("roi_align"), "safetensors", List.of("multiscale_roi_align"),
        "parquet", List.of("roi_align", "roi_pool", "multiscale_roi_align"));
    for (Map.Entry<String, List<String>> e : ops.entrySet()) {
      String format = e.getKey();
      for (String op : e.getValue()) {
        Map<String, float[]> first = vectors(write(format, false), format, "chw", op);
        Map<String, float[]> last = vectors(write(format, true), format, "hwc", op);
        assertEquals(5, first.size(), format + " " + op);
        assertEquals(first.keySet(), last.keySet(), format + " " + op);
        for (String k : first.keySet()) {
          assertArrayEquals(first.get(k), last.get(k), format + " " + op + " " + k);
          if (!op.startsWith("multiscale")) {
            assertArrayEquals(coreOps(k, op), last.get(k), format + " " + op + " " + k);
          }
        }
      }
    }
  }

  private static float[] coreOps(String key, String op) {
    String image = key.substring(0, key.indexOf('/'));
    int roi = Integer.parseInt(key.substring(key.indexOf('/') + 1));
    String[] line = PROPOSALS.split("\n")[1 + IMAGES.indexOf(image) * 3 + roi].split(",");
    float[] box = {Float.parseFloat(line[1]), Float.parseFloat(line[2]), Float.parseFloat(line[3]),
        Float.parseFloat(line[4])};
    FeatureMap m = FeatureMap.chw(CHW.get(image + "/p2"), C, H, W);
    return op.equals("roi_pool") ? RoiPool.forward(m, box, new RoiPoolParams(2, 3, SCALE))
        : RoiAlign.forward(m, box, new RoiAlignParams(2, 3, SCALE, -1, false, PoolingMode.AVG));
  }

  /** Writes the maps in {@code format}, channels last when {@code hwc}; returns the maps path. */
  private static String write(String format, boolean hwc) throws Exception {
    Path root = dir.resolve(format + (hwc ? "_hwc" : "_chw"));
    if (Files.exists(root)) {
      return root.toString();
    }
    Files.createDirectories(root);
    if (format.equals("parquet")) {
      List<Row> rows = new java.util.ArrayList<>();
      for (String id : IMAGES) {
        for (String level : LEVELS) {
          float[] m = hwc ? hwc(CHW.get(id + "/" + level)) : CHW.get(id + "/" + level);
          rows.add(RowFactory.create(id, level, C, h(level), w(level),
              level.equals("p2") ? SCALE : SCALE / 2, FloatBlobs.encode(m, 0, m.length)));
        }
      }
      spark.createDataFrame(rows, SampleGenerator.MAP_SCHEMA).coalesce(1).write().mode("overwrite")
          .parquet(root.toString());
      return root.toString();
    }
    Files.writeString(root.resolve("_scales.properties"), "p2=" + SCALE + "\np3=" + SCALE / 2);
    for (String id : IMAGES) {
      Map<String, Map.Entry<long[], float[]>> tensors = new LinkedHashMap<>();
      for (String level : LEVELS) {
        float[] m = hwc ? hwc(CHW.get(id + "/" + level)) : CHW.get(id + "/" + level);
        long[] shape = hwc ? new long[] {1, h(level), w(level), C}
            : new long[] {1, C, h(level), w(level)};
        if (format.equals("npy")) {
          shape = java.util.Arrays.copyOfRange(shape, 1, 4);
        }
        tensors.put(level, new AbstractMap.SimpleEntry<>(shape, m));
        if (format.startsWith("npy")) {
          Files.createDirectories(root.resolve(id));
          try (OutputStream out = Files.newOutputStream(root.resolve(id).resolve(level + ".npy"))) {
            NpyArrays.write(out, shape, m);
          }
        }
      }
      if (format.equals("safetensors")) {
        try (OutputStream out = Files.newOutputStream(root.resolve(id + ".safetensors"))) {
          SafetensorsFile.write(out, tensors, "F32");
        }
      }
    }
    return root.toString();
  }

  private static Map<String, float[]> vectors(String maps, String format, String layout, String op) {
    String tag = format + "_" + layout + "_" + op;
    String out = dir.resolve("out_" + tag).toString();
    runJob(JobOptions.MAPS_PATH, maps, JobOptions.MAPS_FORMAT,
        format.equals("npy_batched") ? "npy" : format, JobOptions.MAPS_LAYOUT, layout,
        JobOptions.OP, op, JobOptions.LEVEL, op.startsWith("multiscale") ? "" : "p2",
        JobOptions.CANONICAL_SCALE, "16", // the boxes' levels: some p2, some p3
        JobOptions.PROPOSALS_PATH, dir.resolve("proposals.csv").toString(),
        JobOptions.POOLED_HEIGHT, "2", JobOptions.POOLED_WIDTH, "3", JobOptions.OUTPUT_PATH, out);
    Map<String, float[]> got = new HashMap<>();
    for (Row r : spark.read().parquet(out).collectAsList()) {
      assertTrue(got.put(OutputKeys.key(r), OutputKeys.floats(r.getAs("features"))) == null);
    }
    return got;
  }
}
