package org.roifeatures.spark.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.roifeatures.ops.FeatureMap;
import org.roifeatures.ops.RoiAlign;
import org.roifeatures.ops.RoiAlignParams;
import org.roifeatures.spark.SparkTestBase;
import org.roifeatures.spark.io.FloatBlobs;
import org.roifeatures.spark.sample.SampleGenerator;

/**
 * The job streams: a driver+executor JVM with a 1 GiB heap ({@code local[2]}) pools a data set whose
 * feature maps add up to several times that heap. Nothing may collect a partition or hold more than
 * one image's maps per task.
 */
class SmallHeapIT extends SparkTestBase {

  private static final int IMAGES = 240;
  private static final int C = 256;
  private static final int H = 96;
  private static final int W = 128;
  private static final long HEAP = 1L << 30;
  private static final int ROIS_PER_IMAGE = 4;

  private static Path dir;

  @BeforeAll
  static void dirs() throws Exception {
    dir = tempDir("smallheap");
  }

  @AfterAll
  static void cleanup() throws Exception {
    deleteTree(dir);
  }

  /** A cheap deterministic map: image i's value at index k, so the test can recompute any map. */
  static float[] map(int image) {
    float[] m = new float[C * H * W];
    int x = 0x9E3779B9 * (image + 1);
    for (int k = 0; k < m.length; k++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      m[k] = (x & 0xffff) / 65536f;
    }
    return m;
  }

  @Test
  void oneGigabyteHeapPoolsMapsSeveralTimesItsSize() throws Exception {
    String mapsPath = dir.resolve("maps").toString();
    List<Row> batch = new ArrayList<>();
    List<Row> proposals = new ArrayList<>();
    Random rnd = new Random(3);
    for (int i = 0; i < IMAGES; i++) {
      String id = String.format("big_%04d", i);
      float[] m = map(i);
      batch.add(RowFactory.create(id, "p3", C, H, W, 0.125, FloatBlobs.encode(m, 0, m.length)));
      for (int k = 0; k < ROIS_PER_IMAGE; k++) {
        double x1 = rnd.nextInt(900);
        double y1 = rnd.nextInt(700);
        proposals.add(RowFactory.create(id, x1, y1, x1 + 16 + rnd.nextInt(100),
            y1 + 16 + rnd.nextInt(60), 1.0, k));
      }
      if (batch.size() == 4 || i == IMAGES - 1) {
        // Small files, no dictionary: keeps this writer's memory low (the maps are big binaries).
        spark.createDataFrame(batch, SampleGenerator.MAP_SCHEMA).coalesce(1).write()
            .option("parquet.enable.dictionary", "false").mode(SaveMode.Append).parquet(mapsPath);
        batch.clear();
      }
    }
    String proposalsPath = dir.resolve("proposals").toString();
    spark.createDataFrame(proposals, SampleGenerator.PROPOSAL_SCHEMA).coalesce(1).write()
        .parquet(proposalsPath);
    long mapBytes = 4L * C * H * W * IMAGES;
    assertTrue(mapBytes >= 2.5 * HEAP, "maps must be several times the heap: " + mapBytes);

    Path out = dir.resolve("features");
    SparkSubmitLauncher.Result run = SparkSubmitLauncher.submit(List.of("-Xmx1g"),
        SparkSubmitLauncher.list("--master", "local[2]", "--conf", "spark.ui.enabled=false",
            "--conf", "spark.serializer=org.apache.spark.serializer.KryoSerializer",
            "--conf", "spark.kryo.registrator=org.roifeatures.spark.RoiFeaturesKryoRegistrator",
            "--conf", "spark.kryo.registrationRequired=true", "--driver-memory", "1g"),
        SparkSubmitLauncher.list("run", "--maps.path", mapsPath, "--proposals.path", proposalsPath,
            "--op", "roi_align", "--sampling.ratio", "2", "--aligned", "true", "--output.path", out.toString()),
        SparkSubmitLauncher.logFile("small-heap-run"), 1200);
    assertEquals(0, run.exitCode(), SparkSubmitLauncher.tail(SparkSubmitLauncher.logFile("small-heap-run")));
    assertTrue(run.output().contains("RoIs written"), run.output());

    List<Row> rows = spark.read().parquet(out.toString()).collectAsList();
    assertEquals(IMAGES * ROIS_PER_IMAGE, rows.size());
    RoiAlignParams params = RoiAlignParams.of(7, 7, 0.125, 2, true);
    // Spot-check vectors of a few images against core-ops on the regenerated maps.
    for (Row r : rows) {
      int image = Integer.parseInt(r.<String>getAs("image_id").substring(4));
      if (image % 37 != 0) {
        continue;
      }
      FeatureMap m = FeatureMap.chw(map(image), C, H, W);
      assertArrayEquals(RoiAlign.forward(m, FatJarSubmitIT.box(r), params),
          FatJarSubmitIT.floats(r.getAs("features")));
    }
  }
}
