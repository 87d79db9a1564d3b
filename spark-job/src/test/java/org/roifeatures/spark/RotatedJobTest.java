package org.roifeatures.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.roifeatures.ops.FeatureMap;
import org.roifeatures.ops.RoiAlignRotated;
import org.roifeatures.ops.RoiAlignParams;
import org.roifeatures.spark.io.FloatBlobs;
import org.roifeatures.spark.sample.SampleGenerator;

/**
 * {@code op = roi_align_rotated}: proposals with an {@code angle} column are pooled as detectron2's
 * ROIAlignRotated pools the box turned about its centre, the output carries the angle and describes
 * the box format, and bad rotated boxes become rejects.
 */
class RotatedJobTest extends SparkTestBase {

  private static final int C = 3;
  private static final int H = 12;
  private static final int W = 16;
  private static Path dir;
  private static float[] map;

  @BeforeAll
  static void data() throws Exception {
    dir = tempDir("rotated");
    map = new float[C * H * W];
    java.util.Random r = new java.util.Random(5);
    for (int i = 0; i < map.length; i++) {
      map[i] = r.nextFloat();
    }
    spark.createDataFrame(List.of(RowFactory.create("img", "p2", C, H, W, 0.25,
        FloatBlobs.encode(map, 0, map.length))), SampleGenerator.MAP_SCHEMA).coalesce(1).write()
        .parquet(dir.resolve("maps").toString());
    Files.writeString(dir.resolve("proposals.csv"), String.join("\n",
        "image_id,roi_id,x1,y1,x2,y2,score,label,angle",
        "img,0,4,4,36,28,0.9,1,0",
        "img,1,4,4,36,28,0.9,1,30",
        "img,2,10.5,3.25,50,40,0.5,2,-75.5",
        "img,3,0,0,64,48,,,180",
        "img,4,8,8,24,24,,,",
        "img,5,30,4,10,28,,,15",
        "img,6,4,4,36,28,,,abc",
        "img,7,4,4,36,28,,,NaN", ""));
  }

  @AfterAll
  static void cleanup() throws Exception {
    deleteTree(dir);
  }

  @Test
  void rotatedBoxesMatchCoreOpsAndBadOnesAreRejected() throws Exception {
    String out = dir.resolve("out").toString();
    JobSummary s = runJob(JobOptions.MAPS_PATH, dir.resolve("maps").toString(),
        JobOptions.PROPOSALS_PATH, dir.resolve("proposals.csv").toString(),
        JobOptions.OP, "roi_align_rotated", JobOptions.POOLED_HEIGHT, "4",
        JobOptions.POOLED_WIDTH, "3", JobOptions.SAMPLING_RATIO, "2", JobOptions.OUTPUT_PATH, out);
    assertEquals(Map.of("BAD_ROTATED_BOX", 1L, "BAD_RECORD", 1L, "NON_FINITE_BOX", 1L),
        new TreeMap<>(s.rejectsByReason()));
    Dataset<Row> df = spark.read().parquet(out);
    List<Row> rows = df.collectAsList();
    assertEquals(5, rows.size());
    RoiAlignParams params = RoiAlignRotated.params(4, 3, 0.25, 2);
    FeatureMap m = FeatureMap.chw(map, C, H, W);
    for (Row r : rows) {
      double x1 = r.getAs("x1");
      double y1 = r.getAs("y1");
      double x2 = r.getAs("x2");
      double y2 = r.getAs("y2");
      double angle = r.getAs("angle");
      float[] box = {(float) ((x1 + x2) / 2), (float) ((y1 + y2) / 2), (float) (x2 - x1),
          (float) (y2 - y1), (float) angle};
      assertArrayEquals(RoiAlignRotated.forward(m, box, params),
          EndToEndTest.floats(r.getAs("features")), "roi " + r.getAs("roi_id"));
    }
    Map<String, String> meta = Inspect.vectorMetadata(df);
    assertEquals("roi_align_rotated", meta.get("roi_features.op"));
    assertEquals("true", meta.get("roi_features.aligned"));
    assertEquals(true, meta.get("roi_features.box_format").contains("angle"));
  }

  @Test
  void rotatedRefusesSettingsDetectron2DoesNotDefine() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> runJob(
        JobOptions.MAPS_PATH, dir.resolve("maps").toString(),
        JobOptions.PROPOSALS_PATH, dir.resolve("proposals.csv").toString(),
        JobOptions.OP, "roi_align_rotated", JobOptions.MODE, "max",
        JobOptions.OUTPUT_PATH, dir.resolve("never").toString()));
    assertEquals(true, e.getMessage().contains("mode=avg only"), e.getMessage());
  }
}
