package org.roifeatures.spark;

import org.roifeatures.spark.cli.Inspect;
import org.roifeatures.spark.conf.JobOptions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
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
    Map<InputRecords.Key, InputRecords.Proposal> in = InputRecords.csv(dir.resolve("proposals.csv"));
    // The rejects, derived from the input lines by the documented rules (first problem wins).
    Set<String> wantRejects = new TreeSet<>();
    Map<String, Long> wantByReason = new TreeMap<>();
    List<InputRecords.Key> rejected = new ArrayList<>();
    for (InputRecords.Proposal p : in.values()) {
      String reason = rejectReason(p);
      if (reason != null) {
        wantRejects.add(p.imageId() + "/" + p.roiId() + "/" + reason);
        wantByReason.merge(reason, 1L, Long::sum);
        rejected.add(p.key());
      }
    }
    assertEquals(wantByReason, new TreeMap<>(s.rejectsByReason()));
    Set<String> gotRejects = new TreeSet<>();
    for (Row r : spark.read().parquet(out + "_rejects").collectAsList()) {
      assertTrue(gotRejects.add(r.getAs("image_id") + "/" + r.getAs("roi_id") + "/"
          + r.getAs("reason")), "reject twice: " + r);
    }
    assertEquals(wantRejects, gotRejects, "rejected (image_id/roi_id/reason)");
    assertEquals(in.size() - rejected.size(), s.roisWritten());

    Dataset<Row> df = spark.read().parquet(out);
    RoiAlignParams params = RoiAlignRotated.params(4, 3, 0.25, 2);
    FeatureMap m = FeatureMap.chw(map, C, H, W);
    ExpectedOutput.of(in, p -> ExpectedOutput.Pooled.of(RoiAlignRotated.forward(m, p.rotatedBox(),
        params), "p2")).without(rejected).assertMatches(df.collectAsList(),
        "roi_align_rotated");
    Map<String, String> meta = Inspect.vectorMetadata(df);
    assertEquals("roi_align_rotated", meta.get("roi_features.op"));
    assertEquals("true", meta.get("roi_features.aligned"));
    assertEquals(true, meta.get("roi_features.box_format").contains("angle"));
  }

  /**
   * Proposals.read's rules for a rotated op, applied to the input line: a value that is not a
   * number, then a missing or non-finite coordinate or angle, then a negative width or height.
   */
  private static String rejectReason(InputRecords.Proposal p) {
    if (!p.unparsable().isEmpty()) {
      return "BAD_RECORD";
    }
    for (Double v : new Double[] {p.x1(), p.y1(), p.x2(), p.y2()}) {
      if (v == null || !Double.isFinite(v)) {
        return "NON_FINITE_BOX";
      }
    }
    if (p.angle() != null && !Double.isFinite(p.angle())) {
      return "NON_FINITE_BOX";
    }
    if (p.x2() - p.x1() < 0 || p.y2() - p.y1() < 0) {
      return "BAD_ROTATED_BOX";
    }
    return null;
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
