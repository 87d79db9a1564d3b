package org.roifeatures.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.roifeatures.ops.FeatureMap;
import org.roifeatures.ops.PoolingMode;
import org.roifeatures.ops.RoiAlign;
import org.roifeatures.ops.RoiAlignParams;
import org.roifeatures.spark.conf.JobOptions;

/**
 * {@code proposals.box.resize}: boxes in the original image's pixels on maps of the resized image
 * give the same boxes and vectors as the equivalent xyxy input scaled beforehand (here, in the test,
 * with float32 arithmetic as torchvision's {@code resize_boxes}: {@code ratio = float32(new) /
 * float32(orig)}, then {@code x * ratio} in float32); a row without usable sizes is a BAD_RECORD
 * reject naming the value.
 */
class ResizedBoxesTest extends SparkTestBase {

  private static final int C = 3;
  private static final int H = 9;
  private static final int W = 13;
  private static final double SCALE = 0.125;
  private static final RoiAlignParams PARAMS = new RoiAlignParams(2, 2, SCALE, 2, false,
      PoolingMode.AVG);
  /** Original image sizes (width, height) and the sizes the backbone saw, per image. */
  private static final Map<String, int[]> SIZES = Map.of(
      "a", new int[] {640, 427, 100, 67},
      "b", new int[] {333, 500, 70, 105});

  private static Path dir;
  private static String maps;
  private static final Map<String, float[]> MAPS = new HashMap<>();

  @BeforeAll
  static void setUp() throws Exception {
    dir = tempDir("resized");
    maps = dir.resolve("maps").toString();
    MAPS.putAll(RandomParquetMaps.write(spark, maps, List.of("a", "b"), "p3", C, H, W, SCALE, -1f, 2f));
  }

  @AfterAll
  static void cleanup() throws Exception {
    deleteTree(dir);
  }

  @Test
  void originalImageBoxesEqualTheBoxesScaledBeforehandInFloat32() throws Exception {
    Random r = new Random(5);
    StringBuilder original = new StringBuilder(
        "image_id,x,y,w,h,image_width,image_height,input_width,input_height\n");
    StringBuilder prescaled = new StringBuilder("image_id,x1,y1,x2,y2\n");
    Map<String, float[]> wantBoxes = new HashMap<>();
    Map<String, Integer> position = new HashMap<>();
    for (int i = 0; i < 24; i++) {
      String id = i % 2 == 0 ? "a" : "b";
      int[] s = SIZES.get(id);
      // Values that are not exact in float32 (0.1 steps): every rounding step counts.
      float x = (float) (Math.round(r.nextDouble() * s[0] * 10) / 10.0);
      float y = (float) (Math.round(r.nextDouble() * s[1] * 10) / 10.0);
      float w = (float) (Math.round(r.nextDouble() * s[0] * 5) / 10.0);
      float h = (float) (Math.round(r.nextDouble() * s[1] * 5) / 10.0);
      original.append(id).append(',').append(x).append(',').append(y).append(',').append(w)
          .append(',').append(h).append(',').append(s[0]).append(',').append(s[1]).append(',')
          .append(s[2]).append(',').append(s[3]).append('\n');
      float ratioW = (float) s[2] / (float) s[0];
      float ratioH = (float) s[3] / (float) s[1];
      float[] box = {x * ratioW, y * ratioH, (x + w) * ratioW, (y + h) * ratioH};
      prescaled.append(id).append(',').append(box[0]).append(',').append(box[1]).append(',')
          .append(box[2]).append(',').append(box[3]).append('\n');
      wantBoxes.put(id + "/" + (position.merge(id, 1, Integer::sum) - 1), box);
    }
    Path originalCsv = dir.resolve("original.csv");
    Path prescaledCsv = dir.resolve("prescaled.csv");
    Files.writeString(originalCsv, original.toString());
    Files.writeString(prescaledCsv, prescaled.toString());
    Map<String, Row> resized = rows(run(originalCsv, "resized", "xywh", "true"));
    Map<String, Row> given = rows(run(prescaledCsv, "given", "xyxy", "false"));

    assertEquals(wantBoxes.keySet(), resized.keySet());
    assertEquals(wantBoxes.keySet(), given.keySet());
    for (Map.Entry<String, float[]> e : wantBoxes.entrySet()) {
      String k = e.getKey();
      String image = k.substring(0, 1);
      assertArrayEquals(e.getValue(), OutputKeys.box(resized.get(k)), k);
      assertArrayEquals(OutputKeys.box(given.get(k)), OutputKeys.box(resized.get(k)), k);
      float[] vector = RoiAlign.forward(FeatureMap.chw(MAPS.get(image), C, H, W), e.getValue(),
          PARAMS);
      assertArrayEquals(vector, OutputKeys.floats(resized.get(k).getAs("features")), k);
      assertArrayEquals(vector, OutputKeys.floats(given.get(k).getAs("features")), k);
    }
    String meta = Files.readString(dir.resolve("out_resized").resolve(OutputMetadata.SIDECAR));
    assertTrue(meta.contains("resize_boxes") && meta.contains("input_width/image_width"), meta);
    String plain = Files.readString(dir.resolve("out_given").resolve(OutputMetadata.SIDECAR));
    assertTrue(!plain.contains("resize_boxes"), plain);
  }

  @Test
  void rowsWithoutUsableSizesAreRejectedNamingTheValue() throws Exception {
    Path csv = dir.resolve("badsizes.csv");
    Files.writeString(csv, "image_id,roi_id,x1,y1,x2,y2,image_width,image_height,input_width,"
        + "input_height\n"
        + "a,0,10,10,200,100,640,427,100,67\n"
        + "a,1,10,10,200,100,640,427,0,67\n"
        + "a,2,10,10,200,100,640,,100,67\n"
        + "a,3,10,10,200,100,640,427,100,-67\n"
        + "a,4,10,10,200,100,big,427,100,67\n"
        + "a,5,10,10,200,100,640,427,100,1e39\n");
    String out = run(csv, "badsizes", "xyxy", "true");
    assertEquals(1, spark.read().parquet(out).count());
    Map<Long, String[]> rejects = new HashMap<>();
    for (Row r : spark.read().parquet(out + "_rejects").collectAsList()) {
      rejects.put(r.getAs("roi_id"), new String[] {r.getAs("reason"), r.getAs("detail")});
    }
    Map<Long, String> expected = Map.of(1L, "input_width=0.0", 2L, "image_height=null",
        3L, "input_height=-67.0", 4L, "image_width='big'", 5L, "input_height=1.0E39");
    assertEquals(expected.keySet(), rejects.keySet());
    for (Map.Entry<Long, String> e : expected.entrySet()) {
      String[] got = rejects.get(e.getKey());
      assertEquals("BAD_RECORD", got[0], got[1]);
      assertTrue(got[1].contains(e.getValue()), got[1]);
    }
  }

  @Test
  void cocoRecordsCarryTheSizesAsKeysAndBadOnesAreRejectedNamingTheKey() throws Exception {
    Path json = dir.resolve("coco.json");
    Files.writeString(json, "[{\"image_id\": \"a\", \"bbox\": [64.5, 42.7, 320.1, 213.5], \"score\": 0.9,"
        + " \"image_width\": 640, \"image_height\": 427, \"input_width\": 100, \"input_height\": 67},\n"
        + "{\"image_id\": \"a\", \"bbox\": [1, 2, 3, 4], \"image_width\": 640, \"image_height\": 427,"
        + " \"input_width\": \"wide\", \"input_height\": 67},\n"
        + "{\"image_id\": \"a\", \"bbox\": [1, 2, 3, 4]}]");
    String out = run(json, "coco", "xyxy", "true");
    List<Row> rows = spark.read().parquet(out).collectAsList();
    assertEquals(1, rows.size());
    float ratioW = 100f / 640f;
    float ratioH = 67f / 427f;
    float[] box = {64.5f * ratioW, 42.7f * ratioH, (64.5f + 320.1f) * ratioW,
        (42.7f + 213.5f) * ratioH};
    assertArrayEquals(box, OutputKeys.box(rows.get(0)));
    assertArrayEquals(RoiAlign.forward(FeatureMap.chw(MAPS.get("a"), C, H, W), box, PARAMS),
        OutputKeys.floats(rows.get(0).getAs("features")));
    Map<Long, String> details = new HashMap<>();
    for (Row r : spark.read().parquet(out + "_rejects").collectAsList()) {
      assertEquals("BAD_RECORD", r.getAs("reason"));
      details.put(r.getAs("roi_id"), r.getAs("detail"));
    }
    assertEquals(2, details.size(), details.toString());
    assertTrue(details.get(1L).contains("input_width wide is not a number"), details.toString());
    assertTrue(details.get(2L).contains("image_width=null"), details.toString());
  }

  @Test
  void missingSizeColumnsAndRotatedBoxesAreOneLineErrors() throws Exception {
    Path csv = dir.resolve("nosizes.csv");
    Files.writeString(csv, "image_id,x1,y1,x2,y2,image_width,image_height\na,0,0,4,4,640,427\n");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> run(csv, "nosizes", "xyxy", "true"));
    assertTrue(e.getMessage().contains("[input_width, input_height]")
        && e.getMessage().contains(JobOptions.BOX_RESIZE + "=true"), e.getMessage());
    IllegalArgumentException rotated = assertThrows(IllegalArgumentException.class,
        () -> runJob(JobOptions.MAPS_PATH, maps, JobOptions.PROPOSALS_PATH, csv.toString(),
            JobOptions.OP, "roi_align_rotated", JobOptions.BOX_RESIZE, "true",
            JobOptions.OUTPUT_PATH, dir.resolve("out_rotated").toString()));
    assertTrue(rotated.getMessage().contains(JobOptions.BOX_RESIZE), rotated.getMessage());
  }

  private static Map<String, Row> rows(String out) {
    Map<String, Row> got = new HashMap<>();
    for (Row r : spark.read().parquet(out).collectAsList()) {
      assertTrue(got.put(OutputKeys.key(r), r) == null, OutputKeys.key(r));
    }
    return got;
  }

  private static String run(Path csv, String tag, String format, String resize) {
    String out = dir.resolve("out_" + tag).toString();
    runJob(JobOptions.MAPS_PATH, maps, JobOptions.PROPOSALS_PATH, csv.toString(),
        JobOptions.POOLED_HEIGHT, "2", JobOptions.POOLED_WIDTH, "2", JobOptions.SAMPLING_RATIO, "2",
        JobOptions.OUTPUT_PATH, out, JobOptions.BOX_FORMAT, format, JobOptions.BOX_RESIZE, resize);
    return out;
  }
}
