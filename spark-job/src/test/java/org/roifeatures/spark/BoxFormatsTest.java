package org.roifeatures.spark;

import org.roifeatures.spark.conf.JobOptions;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
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
import org.roifeatures.spark.sample.SampleGenerator;

/**
 * {@code proposals.box.format} and {@code proposals.box.normalized}: the same boxes given as xyxy,
 * xywh, cxcywh and normalized (values chosen so every form is exact) give the same output boxes and
 * vectors, equal to core-ops' on the xyxy boxes; a box that is not exact converts in float32 as
 * torchvision's box_convert does; a normalized box without a usable image size is a reject naming
 * the value.
 */
class BoxFormatsTest extends SparkTestBase {

  private static final int C = 3;
  private static final int H = 8;
  private static final int W = 16;
  private static final double SCALE = 0.25;
  /** The image the maps were computed from: W / SCALE by H / SCALE pixels. */
  private static final int IMAGE_W = 64;
  private static final int IMAGE_H = 32;
  private static final RoiAlignParams PARAMS = new RoiAlignParams(2, 2, SCALE, 2, true,
      PoolingMode.AVG);
  private static final float[][] XYXY = {{0, 0, 16, 8}, {4.5f, 2.25f, 40, 30}, {-8, -4, 70, 36},
      {32, 16, 33, 16.5f}};

  private static Path dir;
  private static String maps;
  private static float[] map;

  @BeforeAll
  static void setUp() throws Exception {
    dir = tempDir("boxformats");
    Random r = new Random(11);
    map = new float[C * H * W];
    for (int i = 0; i < map.length; i++) {
      map[i] = r.nextFloat() * 2 - 1;
    }
    maps = dir.resolve("maps").toString();
    Row row = RowFactory.create("img", "p2", C, H, W, SCALE, FloatBlobs.encode(map, 0, map.length));
    spark.createDataFrame(List.of(row), SampleGenerator.MAP_SCHEMA).coalesce(1).write().parquet(maps);
  }

  @AfterAll
  static void cleanup() throws Exception {
    deleteTree(dir);
  }

  @Test
  void everyFormatOfTheSameBoxesGivesTheSameBoxesAndVectors() throws Exception {
    Map<String, float[]> want = new HashMap<>();
    FeatureMap fm = FeatureMap.chw(map, C, H, W);
    for (int i = 0; i < XYXY.length; i++) {
      float[] b = XYXY[i];
      want.put("img/" + i + " box", b);
      want.put("img/" + i, RoiAlign.forward(fm, b, PARAMS));
    }
    StringBuilder xyxy = new StringBuilder("image_id,x1,y1,x2,y2\n");
    StringBuilder xywh = new StringBuilder("image_id,x,y,w,h\n");
    StringBuilder cxcywh = new StringBuilder("image_id,cx,cy,w,h\n");
    StringBuilder cxcywhN = new StringBuilder("image_id,cx,cy,w,h,image_width,image_height\n");
    StringBuilder xyxyN = new StringBuilder("image_id,x1,y1,x2,y2,image_width,image_height\n");
    for (float[] b : XYXY) {
      double w = b[2] - b[0];
      double h = b[3] - b[1];
      double cx = (b[0] + b[2]) / 2.0;
      double cy = (b[1] + b[3]) / 2.0;
      xyxy.append(line(b[0], b[1], b[2], b[3]));
      xywh.append(line(b[0], b[1], w, h));
      cxcywh.append(line(cx, cy, w, h));
      String size = "," + IMAGE_W + "," + IMAGE_H + "\n";
      cxcywhN.append(line(cx / IMAGE_W, cy / IMAGE_H, w / IMAGE_W, h / IMAGE_H).trim()).append(size);
      xyxyN.append(line(b[0] / IMAGE_W, b[1] / IMAGE_H, b[2] / IMAGE_W, b[3] / IMAGE_H).trim())
          .append(size);
    }
    String[][] runs = {{"xyxy", "false", xyxy.toString()}, {"xywh", "false", xywh.toString()},
        {"cxcywh", "false", cxcywh.toString()}, {"cxcywh", "true", cxcywhN.toString()},
        {"xyxy", "true", xyxyN.toString()}};
    for (String[] run : runs) {
      String tag = run[0] + "_" + run[1];
      Path csv = dir.resolve(tag + ".csv");
      Files.writeString(csv, run[2]);
      String out = run(csv, tag, run[0], run[1]);
      Map<String, float[]> got = new HashMap<>();
      for (Row r : spark.read().parquet(out).collectAsList()) {
        String key = OutputKeys.key(r);
        got.put(key + " box", OutputKeys.box(r));
        assertTrue(got.put(key, OutputKeys.floats(r.getAs("features"))) == null, key);
      }
      assertEquals(want.keySet(), got.keySet(), tag);
      for (String k : want.keySet()) {
        assertArrayEquals(want.get(k), got.get(k), tag + " " + k);
      }
      String meta = Files.readString(Path.of(out, OutputMetadata.SIDECAR));
      assertTrue(meta.contains("\"roi_features.box_input\" : \"" + run[0]), meta);
      assertEquals(run[1].equals("true"), meta.contains("image_width"), meta);
    }
  }

  @Test
  void conversionsRoundInFloat32AsTorchvisionDoes() throws Exception {
    // 0.1, 0.7, 0.3 are not float32 values: float32 rounding of each step decides the last bits.
    Path csv = dir.resolve("inexact.csv");
    Files.writeString(csv, "image_id,cx,cy,w,h,image_width,image_height\n"
        + "img,0.1,0.7,0.3,0.35,640,427\n");
    String out = run(csv, "inexact", "cxcywh", "true");
    Row r = spark.read().parquet(out).collectAsList().get(0);
    float cx = 0.1f;
    float cy = 0.7f;
    float w = 0.3f;
    float h = 0.35f;
    float[] expected = {(cx - 0.5f * w) * 640f, (cy - 0.5f * h) * 427f, (cx + 0.5f * w) * 640f,
        (cy + 0.5f * h) * 427f};
    assertArrayEquals(expected, OutputKeys.box(r));
    assertEquals((double) expected[0], r.<Double>getAs("x1"));
    assertArrayEquals(RoiAlign.forward(FeatureMap.chw(map, C, H, W), expected, PARAMS),
        OutputKeys.floats(r.getAs("features")));
  }

  @Test
  void normalizedBoxesWithoutAUsableImageSizeAreRejectedNamingTheValue() throws Exception {
    Path csv = dir.resolve("badsize.csv");
    Files.writeString(csv, "image_id,roi_id,x,y,w,h,image_width,image_height\n"
        + "img,0,0.25,0.25,0.5,0.5,64,32\n"
        + "img,1,0.25,0.25,0.5,0.5,0,32\n"
        + "img,2,0.25,0.25,0.5,0.5,64,\n"
        + "img,3,0.25,0.25,0.5,0.5,-64,32\n"
        + "img,4,0.25,0.25,0.5,0.5,wide,32\n"
        + "img,5,0.25,0.25,3e38,0.5,64,32\n");
    String out = run(csv, "badsize", "xywh", "true");
    assertEquals(1, spark.read().parquet(out).count());
    Map<Long, String[]> rejects = new HashMap<>();
    for (Row r : spark.read().parquet(out + "_rejects").collectAsList()) {
      rejects.put(r.getAs("roi_id"), new String[] {r.getAs("reason"), r.getAs("detail")});
    }
    assertEquals(5, rejects.size());
    Map<Long, String[]> expected = Map.of(1L, new String[] {"BAD_RECORD", "image_width=0.0"},
        2L, new String[] {"BAD_RECORD", "image_height=null"},
        3L, new String[] {"BAD_RECORD", "image_width=-64.0"},
        4L, new String[] {"BAD_RECORD", "image_width='wide'"},
        5L, new String[] {"NON_FINITE_BOX", "x2="});
    for (Map.Entry<Long, String[]> e : expected.entrySet()) {
      String[] got = rejects.get(e.getKey());
      assertEquals(e.getValue()[0], got[0], got[1]);
      assertTrue(got[1].contains(e.getValue()[1]), got[1]);
    }
  }

  @Test
  void missingColumnsOfTheFormatAreOneLineErrors() throws Exception {
    Path csv = dir.resolve("nosize.csv");
    Files.writeString(csv, "image_id,x,y,w,h\nimg,0,0,4,4\n");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> run(csv, "nosize", "xywh", "true"));
    assertTrue(e.getMessage().contains("[image_width, image_height]")
        && e.getMessage().contains(JobOptions.BOX_FORMAT + "=xywh"), e.getMessage());
  }

  private static String line(double a, double b, double c, double d) {
    return "img," + a + "," + b + "," + c + "," + d + "\n";
  }

  private static String run(Path csv, String tag, String format, String normalized) {
    String out = dir.resolve("out_" + tag).toString();
    List<String> kv = new ArrayList<>(List.of(JobOptions.MAPS_PATH, maps, JobOptions.PROPOSALS_PATH,
        csv.toString(), JobOptions.POOLED_HEIGHT, "2", JobOptions.POOLED_WIDTH, "2",
        JobOptions.SAMPLING_RATIO, "2", JobOptions.ALIGNED, "true", JobOptions.OUTPUT_PATH, out,
        JobOptions.BOX_FORMAT, format, JobOptions.BOX_NORMALIZED, normalized));
    runJob(kv.toArray(new String[0]));
    return out;
  }
}
