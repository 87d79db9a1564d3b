package org.roifeatures.spark;

import org.roifeatures.spark.conf.JobOptions;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.roifeatures.ops.FeatureMap;
import org.roifeatures.ops.HalfPrecision;
import org.roifeatures.ops.PoolingMode;
import org.roifeatures.ops.RoiAlign;
import org.roifeatures.ops.RoiAlignParams;
import org.roifeatures.spark.io.NpyArrays;

/**
 * {@code .npy} maps as backbones save them: float16 ({@code '<f2'}) and with a leading batch
 * dimension of 1, (1, C, H, W). One map of float16-representable values is written four ways (f4 and
 * f2, with and without the batch dimension); every way must give the same bits as core-ops pooling
 * the float32 map, for the same input boxes. A batch of two maps in one file is a BAD_MAP_SHAPE
 * reject naming the file and the shape.
 */
class NpyHalfAndBatchTest extends SparkTestBase {

  private static final int C = 3;
  private static final int H = 9;
  private static final int W = 11;
  private static final double SCALE = 0.5;
  private static final RoiAlignParams PARAMS = new RoiAlignParams(2, 3, SCALE, 2, true,
      PoolingMode.AVG);
  private static final float[][] BOXES = {{0, 0, 12, 10}, {3.5f, 2.25f, 21, 17}, {-4, 1, 8, 30},
      {10, 10, 10.5f, 11}};

  private static Path dir;

  @BeforeAll
  static void setUp() throws Exception {
    dir = tempDir("npyhalf");
  }

  @AfterAll
  static void cleanup() throws Exception {
    deleteTree(dir);
  }

  @Test
  void float16AndBatchOfOneMapsPoolAsTheirFloat32Widening() throws Exception {
    Path maps = dir.resolve("maps");
    Files.createDirectories(maps);
    float[] map = halfRepresentableMap(7);
    write(maps.resolve("f4.npy"), new long[] {C, H, W}, map, false);
    write(maps.resolve("f2.npy"), new long[] {C, H, W}, map, true);
    write(maps.resolve("b1f4.npy"), new long[] {1, C, H, W}, map, false);
    write(maps.resolve("b1f2.npy"), new long[] {1, C, H, W}, map, true);
    float[] two = new float[2 * map.length];
    System.arraycopy(map, 0, two, 0, map.length);
    System.arraycopy(map, 0, two, map.length, map.length);
    write(maps.resolve("b2.npy"), new long[] {2, C, H, W}, two, true);
    List<String> good = List.of("f4", "f2", "b1f4", "b1f2");

    StringBuilder csv = new StringBuilder("image_id,x1,y1,x2,y2\n");
    for (String id : List.of("f4", "f2", "b1f4", "b1f2", "b2")) {
      for (float[] b : BOXES) {
        csv.append(id).append(',').append(b[0]).append(',').append(b[1]).append(',')
            .append(b[2]).append(',').append(b[3]).append('\n');
      }
    }
    Path proposals = dir.resolve("proposals.csv");
    Files.writeString(proposals, csv.toString());
    String out = dir.resolve("out").toString();
    JobSummary s = runJob(JobOptions.MAPS_PATH, maps.toString(), JobOptions.MAPS_SCALES,
        String.valueOf(SCALE), JobOptions.PROPOSALS_PATH, proposals.toString(),
        JobOptions.POOLED_HEIGHT, "2", JobOptions.POOLED_WIDTH, "3", JobOptions.SAMPLING_RATIO, "2",
        JobOptions.ALIGNED, "true", JobOptions.OUTPUT_PATH, out);

    assertEquals(good.size() * BOXES.length, s.roisWritten());
    assertEquals(Map.of("BAD_MAP_SHAPE", (long) BOXES.length), new TreeMap<>(s.rejectsByReason()));
    // Expected: core-ops on the float32 map and the boxes as written, keyed by image/roi_id.
    Map<String, float[]> want = new HashMap<>();
    FeatureMap fm = FeatureMap.chw(map, C, H, W);
    for (String id : good) {
      for (int i = 0; i < BOXES.length; i++) {
        want.put(id + "/" + i, RoiAlign.forward(fm, BOXES[i], PARAMS));
      }
    }
    Map<String, float[]> got = new HashMap<>();
    for (Row r : spark.read().parquet(out).collectAsList()) {
      float[] prev = got.put(OutputKeys.key(r), OutputKeys.floats(r.getAs("features")));
      assertTrue(prev == null, "duplicate " + OutputKeys.key(r));
    }
    assertEquals(want.keySet(), got.keySet());
    for (String k : want.keySet()) {
      assertArrayEquals(want.get(k), got.get(k), k);
    }
    List<Row> rejects = spark.read().parquet(out + "_rejects").collectAsList();
    assertEquals(BOXES.length, rejects.size());
    for (Row r : rejects) {
      assertEquals("b2", r.getAs("image_id"));
      assertEquals("BAD_MAP_SHAPE", r.getAs("reason"));
      String detail = r.getAs("detail");
      assertTrue(detail.contains("b2.npy") && detail.contains("[2, " + C + ", " + H + ", " + W + "]"),
          detail);
    }
  }

  /** Random values rounded to float16, so the f2 and f4 files hold the same numbers. */
  private static float[] halfRepresentableMap(long seed) {
    Random r = new Random(seed);
    float[] m = new float[C * H * W];
    for (int i = 0; i < m.length; i++) {
      m[i] = HalfPrecision.fromFloat16(HalfPrecision.toFloat16(r.nextFloat() * 8 - 4));
    }
    return m;
  }

  private static void write(Path p, long[] shape, float[] data, boolean half) throws Exception {
    try (OutputStream os = Files.newOutputStream(p)) {
      NpyArrays.write(os, shape, data, half);
    }
  }
}
