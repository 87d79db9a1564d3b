package org.roifeatures.spark.ml;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.param.Param;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.functions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.roifeatures.ops.FeatureMap;
import org.roifeatures.ops.PoolingMode;
import org.roifeatures.ops.RoiAlign;
import org.roifeatures.ops.RoiAlignParams;
import org.roifeatures.spark.conf.JobOptions;
import org.roifeatures.spark.SparkTestBase;
import org.roifeatures.spark.examples.ClassifierExample;
import org.roifeatures.spark.io.FloatBlobs;
import org.roifeatures.spark.sample.SampleGenerator;

/**
 * The Spark ML stage: its params are the job's options; inside a Pipeline with logistic regression
 * it learns which of two patterns each box covers (a label the pooled map content determines);
 * saved and loaded, alone or in a PipelineModel, it gives bit-identical vectors.
 */
class RoiFeatureExtractorTest extends SparkTestBase {

  private static final int C = 4;
  private static final int H = 32;
  private static final int W = 32;
  private static final int BOX = 8;
  private static Path dir;
  private static String mapsPath;
  private static Dataset<Row> train;
  private static Dataset<Row> test;
  /** image → its map, for computing vectors from the inputs. */
  private static final Map<String, FeatureMap> MAPS = new HashMap<>();

  /**
   * 40 images of C×32×32 noise; each has 6 non-overlapping 8×8 boxes, and inside each box channel
   * 0 (label 0) or channel 1 (label 1) is raised: only the pooled content tells the label.
   */
  @BeforeAll
  static void generate() throws Exception {
    // LogisticRegression serializes Spark ML classes no registrator lists (SummarizerBuffer).
    restartSpark(Map.of("spark.kryo.registrationRequired", "false"));
    dir = tempDir("ml");
    Random rnd = new Random(5);
    List<Row> maps = new ArrayList<>();
    List<Row> trainRows = new ArrayList<>();
    List<Row> testRows = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      String id = String.format("im%02d", i);
      float[] m = new float[C * H * W];
      for (int k = 0; k < m.length; k++) {
        m[k] = (float) (rnd.nextGaussian() * 0.5);
      }
      for (int b = 0; b < 6; b++) {
        int y0 = (b / 3) * 16 + rnd.nextInt(16 - BOX + 1);
        int x0 = (b % 3) * 10 + rnd.nextInt(10 - BOX + 1);
        int label = rnd.nextInt(2);
        for (int y = y0; y < y0 + BOX; y++) {
          for (int x = x0; x < x0 + BOX; x++) {
            m[label * H * W + y * W + x] += 1.5f;
          }
        }
        Row p = RowFactory.create(id, (double) x0, (double) y0, (double) (x0 + BOX),
            (double) (y0 + BOX), 1.0, label);
        (i < 30 ? trainRows : testRows).add(p);
      }
      MAPS.put(id, FeatureMap.chw(m, C, H, W));
      maps.add(RowFactory.create(id, "p0", C, H, W, 1.0, FloatBlobs.encode(m, 0, m.length)));
    }
    mapsPath = dir.resolve("maps").toString();
    spark.createDataFrame(maps, SampleGenerator.MAP_SCHEMA).coalesce(1).write().parquet(mapsPath);
    train = spark.createDataFrame(trainRows, SampleGenerator.PROPOSAL_SCHEMA);
    test = spark.createDataFrame(testRows, SampleGenerator.PROPOSAL_SCHEMA);
  }

  @AfterAll
  static void cleanup() throws IOException {
    deleteTree(dir);
  }

  @Test
  void aClassifierOnTheExtractedVectorsLearnsThePatternTheBoxesCover() {
    PipelineModel model = ClassifierExample.train(mapsPath, train);
    double accuracy = ClassifierExample.accuracy(model, test);
    // Balanced labels: zero or shuffled vectors score about 0.5.
    assertTrue(accuracy >= 0.9, "held-out accuracy " + accuracy);

    // The same pipeline on vectors whose content is gone fails the threshold.
    Dataset<Row> shuffled = train.withColumn("label",
        functions.when(functions.rand(3).lt(0.5), 0).otherwise(1));
    double broken = ClassifierExample.accuracy(ClassifierExample.train(mapsPath, shuffled), test);
    assertTrue(broken < 0.75, "labels unrelated to the vectors still score " + broken);
  }

  @Test
  void theVectorsAreTheInputsPooledByCoreOps() {
    RoiFeatureExtractor x = new RoiFeatureExtractor().setMapsPath(mapsPath).setOp("roi_align")
        .setPooledSize(2, 2).setSamplingRatio(2).setAligned(true);
    RoiAlignParams params = new RoiAlignParams(2, 2, 1.0, 2, true, PoolingMode.AVG);
    List<Row> rows = x.transform(test).collectAsList();
    assertEquals(test.count(), rows.size());
    for (Row r : rows) {
      float[] box = {((Number) r.getAs("x1")).floatValue(), ((Number) r.getAs("y1")).floatValue(),
          ((Number) r.getAs("x2")).floatValue(), ((Number) r.getAs("y2")).floatValue()};
      float[] want = RoiAlign.forward(MAPS.get(r.<String>getAs("image_id")), box, params);
      double[] got = r.<Vector>getAs("features").toArray();
      assertEquals(want.length, got.length);
      for (int k = 0; k < want.length; k++) {
        assertEquals(want[k], (float) got[k], "element " + k + " of " + r.getAs("image_id"));
      }
    }
  }

  @Test
  void aSavedPipelineModelLoadsBackAndGivesBitIdenticalVectors() throws IOException {
    PipelineModel model = ClassifierExample.train(mapsPath, train);
    String path = dir.resolve("model").toString();
    model.write().overwrite().save(path);
    PipelineModel loaded = PipelineModel.load(path);
    RoiFeatureExtractor original = (RoiFeatureExtractor) model.stages()[0];
    RoiFeatureExtractor restored = (RoiFeatureExtractor) loaded.stages()[0];
    assertEquals(original.jobOptions(), restored.jobOptions());
    Map<String, Row> before = byKey(model.transform(test));
    Map<String, Row> after = byKey(loaded.transform(test));
    assertEquals(before.keySet(), after.keySet());
    assertTrue(before.size() > 0);
    for (String k : before.keySet()) {
      assertArrayEquals(before.get(k).<Vector>getAs("features").toArray(),
          after.get(k).<Vector>getAs("features").toArray(), "vector of " + k);
      assertEquals(before.get(k).<Double>getAs("prediction"),
          after.get(k).<Double>getAs("prediction"), "prediction of " + k);
    }
  }

  @Test
  void theExtractorAloneSavesAndLoadsItsParams() throws IOException {
    RoiFeatureExtractor x = new RoiFeatureExtractor().setMapsPath(mapsPath).setOp("roi_pool")
        .setPooledSize(3, 4).setLevel("p0").setChannels(C);
    String path = dir.resolve("extractor").toString();
    x.save(path);
    RoiFeatureExtractor y = RoiFeatureExtractor.load(path);
    assertEquals(x.uid(), y.uid());
    assertEquals(x.jobOptions(), y.jobOptions());
    assertEquals("roi_pool", y.jobOptions().get(JobOptions.OP));
    assertEquals("3", y.jobOptions().get(JobOptions.POOLED_HEIGHT));
  }

  @Test
  void theStageIsJavaSerializableWithItsParams() throws Exception {
    RoiFeatureExtractor x = new RoiFeatureExtractor().setMapsPath(mapsPath).setOp("roi_pool")
        .setPooledSize(3, 4);
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    try (java.io.ObjectOutputStream out = new java.io.ObjectOutputStream(bytes)) {
      out.writeObject(x);
    }
    RoiFeatureExtractor y;
    try (java.io.ObjectInputStream in = new java.io.ObjectInputStream(
        new java.io.ByteArrayInputStream(bytes.toByteArray()))) {
      y = (RoiFeatureExtractor) in.readObject();
    }
    assertEquals(x.jobOptions(), y.jobOptions());
    assertTrue(!(Boolean) y.op().isValid().apply("roi_magic"));
  }

  @Test
  void everyParamIsAJobOptionWithItsDocAndValidation() {
    RoiFeatureExtractor x = new RoiFeatureExtractor();
    Set<String> names = new TreeSet<>();
    for (Param<?> p : x.params()) {
      names.add(p.name());
    }
    Set<String> fromOptions = new TreeSet<>();
    for (String key : x.jobOptions().keySet()) {
      fromOptions.add(RoiFeatureExtractor.paramName(key));
    }
    // Every param has a default (all options here do, maps.path aside) and is found by Spark ML.
    fromOptions.add("mapsPath");
    assertEquals(fromOptions, names);
    assertEquals(JobOptions.byKey().get(JobOptions.OP).fullDoc(), x.op().doc());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> x.setPooledSize(0, 2));
    assertTrue(e.getMessage().contains("pooled.height"), e.getMessage());
    assertTrue(!(Boolean) x.op().isValid().apply("roi_magic") && (Boolean) x.op().isValid().apply("roi_pool"));
    assertEquals("vector", x.jobOptions().get(JobOptions.VECTOR_FORMAT));
    assertThrows(IllegalArgumentException.class, () -> x.transform(test));
    assertTrue(Arrays.asList(x.transformSchema(test.schema()).fieldNames()).contains("features"));
  }

  private static Map<String, Row> byKey(Dataset<Row> df) {
    Map<String, Row> m = new HashMap<>();
    for (Row r : df.collectAsList()) {
      m.put(r.getAs("image_id") + "/" + r.getAs("roi_id"), r);
    }
    return m;
  }
}
