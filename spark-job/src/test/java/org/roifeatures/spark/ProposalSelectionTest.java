package org.roifeatures.spark;

import org.roifeatures.spark.conf.JobOptions;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.roifeatures.ops.FeatureMap;
import org.roifeatures.ops.PoolingMode;
import org.roifeatures.ops.RoiAlign;
import org.roifeatures.ops.RoiAlignParams;

/**
 * {@code proposals.min.score} and {@code proposals.top.k}: per image, the proposals at or above the
 * minimum, then the k highest scores (ties: lower roi_id), are written with core-ops' vectors and
 * their roi_ids of the whole input; the others are counted as selected out, neither written nor
 * rejected; rejected rows stay rejects.
 */
class ProposalSelectionTest extends SparkTestBase {

  private static final int C = 2;
  private static final int H = 8;
  private static final int W = 8;
  private static final double SCALE = 0.25;
  private static final RoiAlignParams PARAMS = new RoiAlignParams(2, 2, SCALE, 2, true,
      PoolingMode.AVG);

  private static Path dir;
  private static String maps;
  private static final Map<String, float[]> MAPS = new HashMap<>();

  @BeforeAll
  static void setUp() throws Exception {
    dir = tempDir("selection");
    maps = dir.resolve("maps").toString();
    MAPS.putAll(RandomParquetMaps.write(spark, maps, List.of("a", "b", "c"), "p3", C, H, W, SCALE,
        0f, 1f));
  }

  @AfterAll
  static void cleanup() throws Exception {
    deleteTree(dir);
  }

  @Test
  void minScoreThenTopKPerImageKeepInputPositionsAsRoiIds() throws Exception {
    // image, box, score; roi_id = position within the image.
    String csv = "image_id,x1,y1,x2,y2,score\n"
        + "a,0,0,16,16,0.9\n"      // a/0 kept
        + "b,1,1,9,9,0.1\n"        // b/0 below the minimum
        + "a,2,2,20,12,0.2\n"      // a/1 below the minimum
        + "a,4,0,30,30,0.9\n"      // a/2 kept (ties a/0, higher roi_id)
        + "a,1,1,5,5,\n"           // a/3 null score
        + "b,3,3,30,28,0.3\n"      // b/1 kept
        + "a,0,0,8,8,0.5\n"        // a/4 third of a: beyond top 2
        + "a,NaN,0,8,8,0.99\n"     // a/5 rejected, not a candidate
        + "b,0,5,25,31,0.95\n";    // b/2 kept
    Path f = dir.resolve("noids.csv");
    Files.writeString(f, csv);
    JobSummary s = run(f, "noids", "0.25", "2");
    Map<String, float[]> boxes = Map.of("a/0", new float[] {0, 0, 16, 16},
        "a/2", new float[] {4, 0, 30, 30}, "b/1", new float[] {3, 3, 30, 28},
        "b/2", new float[] {0, 5, 25, 31});
    check(s, "noids", boxes, 4);
    Row reject = spark.read().parquet(dir.resolve("out_noids") + "_rejects").first();
    assertEquals("a", reject.getAs("image_id"));
    assertEquals(5L, reject.<Long>getAs("roi_id"));
    assertEquals("NON_FINITE_BOX", reject.getAs("reason"));
  }

  @Test
  void tiesGoToTheLowerGivenRoiId() throws Exception {
    String csv = "image_id,roi_id,x1,y1,x2,y2,score\n"
        + "c,7,0,0,16,16,0.5\n"
        + "c,3,2,2,20,12,0.5\n"
        + "c,5,4,0,30,30,0.5\n"
        + "c,9,0,0,4,4,0.4\n"
        + "c,1,NaN,0,4,4,0.9\n";
    Path f = dir.resolve("ids.csv");
    Files.writeString(f, csv);
    JobSummary s = run(f, "ids", "", "2");
    check(s, "ids", Map.of("c/3", new float[] {2, 2, 20, 12}, "c/5", new float[] {4, 0, 30, 30}), 2);
  }

  private static JobSummary run(Path csv, String tag, String minScore, String topK) {
    return runJob(JobOptions.MAPS_PATH, maps, JobOptions.PROPOSALS_PATH, csv.toString(),
        JobOptions.POOLED_HEIGHT, "2", JobOptions.POOLED_WIDTH, "2", JobOptions.SAMPLING_RATIO, "2",
        JobOptions.ALIGNED, "true", JobOptions.OUTPUT_PATH, dir.resolve("out_" + tag).toString(),
        JobOptions.MIN_SCORE, minScore, JobOptions.TOP_K, topK);
  }

  private static void check(JobSummary s, String tag, Map<String, float[]> boxes, long selectedOut) {
    assertEquals(selectedOut, s.selectedOut());
    assertEquals(Map.of("NON_FINITE_BOX", 1L), s.rejectsByReason());
    assertEquals(boxes.size(), s.roisWritten());
    assertEquals(boxes.size() + 1, s.proposals());
    Map<String, Row> got = new HashMap<>();
    for (Row r : spark.read().parquet(dir.resolve("out_" + tag).toString()).collectAsList()) {
      assertTrue(got.put(OutputKeys.key(r), r) == null, OutputKeys.key(r));
    }
    assertEquals(boxes.keySet(), got.keySet());
    for (Map.Entry<String, float[]> e : boxes.entrySet()) {
      String image = e.getKey().substring(0, 1);
      assertArrayEquals(RoiAlign.forward(FeatureMap.chw(MAPS.get(image), C, H, W), e.getValue(),
          PARAMS), OutputKeys.floats(got.get(e.getKey()).getAs("features")), e.getKey());
    }
    assertTrue(s.table().contains("proposals selected out"), s.table());
  }
}
