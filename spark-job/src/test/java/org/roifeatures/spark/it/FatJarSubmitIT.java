package org.roifeatures.spark.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.roifeatures.ops.FeatureMap;
import org.roifeatures.ops.MultiScaleRoiAlign;
import org.roifeatures.ops.RoiAlignParams;
import org.roifeatures.spark.ExpectedOutput;
import org.roifeatures.spark.InputRecords;
import org.roifeatures.spark.SparkTestBase;
import org.roifeatures.spark.io.NpyArrays;

/**
 * The fat jar through Spark's own {@code SparkSubmit} entry point with {@code --master local[2]}, as
 * a user runs it: sample generation, then the job with Kryo registration required; the output must
 * equal what core-ops computes directly from the maps.
 */
class FatJarSubmitIT extends SparkTestBase {

  private static Path dir;

  @BeforeAll
  static void dirs() throws Exception {
    dir = tempDir("submit");
  }

  @AfterAll
  static void cleanup() throws Exception {
    deleteTree(dir);
  }

  @Test
  void sparkSubmitRunsTheFatJarAndMatchesCoreOps() throws Exception {
    Path data = dir.resolve("data");
    List<String> submit = SparkSubmitLauncher.list("--master", "local[2]",
        "--properties-file", SparkSubmitLauncher.projectRoot().resolve("conf/spark-defaults.conf")
            .toString(),
        "--conf", "spark.kryo.registrationRequired=true", "--conf", "spark.ui.enabled=false");
    SparkSubmitLauncher.Result gen = SparkSubmitLauncher.submit(List.of("-Xmx1g"), submit,
        SparkSubmitLauncher.list("generate-sample", "--out", data.toString(), "--images", "4",
            "--levels", "3", "--channels", "16", "--min-rois", "10", "--max-rois", "40",
            "--image-size", "320x384", "--seed", "5"),
        SparkSubmitLauncher.logFile("submit-generate"), 600);
    assertEquals(0, gen.exitCode(), gen.output());

    Path out = dir.resolve("features");
    SparkSubmitLauncher.Result run = SparkSubmitLauncher.submit(List.of("-Xmx1g"), submit,
        SparkSubmitLauncher.list("run", "--maps.path", data.resolve("maps_arrow").toString(),
            "--proposals.path", data.resolve("proposals_csv").toString(),
            "--op", "multiscale_roi_align", "--sampling.ratio", "2", "--aligned", "true",
            "--output.path", out.toString()),
        SparkSubmitLauncher.logFile("submit-run"), 600);
    assertEquals(0, run.exitCode(), run.output());
    assertTrue(run.output().contains("RoIs written"), run.output());
    assertTrue(run.output().contains("roi-features kernels:"),
        "the kernel choice is logged once:\n" + run.output());

    // Expected rows from the generated inputs: the CSV the job read, the .npy copies of its maps.
    Map<InputRecords.Key, InputRecords.Proposal> in = InputRecords.csv(data.resolve("proposals_csv"));
    Map<String, Map<String, FeatureMap>> maps = InputRecords.npyMaps(data.resolve("maps_npy"));
    String[] levels = {"p3", "p4", "p5"};
    MultiScaleRoiAlign op = MultiScaleRoiAlign.torchvision(new double[] {1 / 8.0, 1 / 16.0, 1 / 32.0},
        RoiAlignParams.of(7, 7, 1, 2, true));
    ExpectedOutput.of(in, p -> {
      FeatureMap[] m = new FeatureMap[levels.length];
      for (int l = 0; l < levels.length; l++) {
        m[l] = maps.get(p.imageId()).get(levels[l]);
      }
      float[] want = new float[op.rowLength(16)];
      int[] level = new int[1];
      op.forward(m, p.box(), 0, 1, want, 0, level, 0);
      return ExpectedOutput.Pooled.of(want, level[0] < 0 ? null : levels[level[0]]);
    }).assertMatches(spark.read().parquet(out.toString()).collectAsList(), "spark-submit output");
  }

  static FeatureMap npy(Path p) throws Exception {
    try (InputStream in = Files.newInputStream(p)) {
      NpyArrays.FloatArray a = NpyArrays.read(in);
      return FeatureMap.chw(a.data(), (int) a.shape()[0], (int) a.shape()[1], (int) a.shape()[2]);
    }
  }

  static float[] box(Row r) {
    return new float[] {(float) r.getDouble(r.fieldIndex("x1")), (float) r.getDouble(r.fieldIndex("y1")),
        (float) r.getDouble(r.fieldIndex("x2")), (float) r.getDouble(r.fieldIndex("y2"))};
  }

  static float[] floats(byte[] b) {
    java.nio.FloatBuffer fb = java.nio.ByteBuffer.wrap(b).order(java.nio.ByteOrder.LITTLE_ENDIAN)
        .asFloatBuffer();
    float[] f = new float[fb.remaining()];
    fb.get(f);
    return f;
  }
}
