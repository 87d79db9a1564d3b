package org.roifeatures.spark.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.roifeatures.ops.FeatureMap;
import org.roifeatures.ops.HalfPrecision;
import org.roifeatures.ops.MultiScaleRoiAlign;
import org.roifeatures.ops.PoolingMode;
import org.roifeatures.ops.RoiAlign;
import org.roifeatures.ops.RoiAlignParams;
import org.roifeatures.spark.ExpectedOutput;
import org.roifeatures.spark.InputRecords;
import org.roifeatures.spark.OutputKeys;
import org.roifeatures.spark.RejectReason;
import org.roifeatures.spark.SparkTestBase;
import org.roifeatures.spark.sample.SampleGenerator;

/**
 * Feature maps given as a {@code Dataset<Row>} ({@link RoiFeatures#maps(Dataset)}): the same
 * features (bit for bit) and rejects as the same rows written as Parquet and given as a path, and
 * the vectors core-ops computes from the input maps and boxes; malformed map rows are rejects
 * naming the image and level; declared facts keep {@code extract} free of Spark jobs.
 *
 * <p>The maps are the sample's, with: img_0001's p3 blob 4 bytes short, img_0002's p3 dtype
 * float64, img_0003's p3 height 0, img_0005's p3 data null, img_0004's p3 stored as float16, and
 * an image with maps but no proposals. The proposals are the sample's plus a NaN box and one for an
 * image without maps.
 */
class MapsDatasetTest extends SparkTestBase {

  private static Path data;
  private static SampleGenerator.Spec spec;
  /** The maps as rows, as an upstream stage would hand them over (not a file scan). */
  private static Dataset<Row> mapRows;
  private static final List<Row> MAP_ROWS = new ArrayList<>();
  /** image → level → the input map's values as the job must read them (float16 widened). */
  private static final Map<String, Map<String, FeatureMap>> MAPS = new HashMap<>();
  private static Map<InputRecords.Key, InputRecords.Proposal> proposals;

  private static final String LONELY = "img_maps_only";
  private static final StructType MAP_ROW = new StructType()
      .add("image_id", DataTypes.StringType, false)
      .add("level", DataTypes.StringType, true)
      .add("channels", DataTypes.IntegerType, false)
      .add("height", DataTypes.IntegerType, false)
      .add("width", DataTypes.IntegerType, false)
      .add("spatial_scale", DataTypes.DoubleType, false)
      .add("data", DataTypes.BinaryType, true)
      .add("dtype", DataTypes.StringType, true);

  /** The proposals the job must reject because of their image's p3 map, and why. */
  private static final Map<String, RejectReason> BAD_P3 = Map.of(
      "img_0001", RejectReason.MAP_LENGTH_MISMATCH, "img_0002", RejectReason.MAP_UNREADABLE,
      "img_0003", RejectReason.BAD_MAP_SHAPE, "img_0005", RejectReason.MAP_UNREADABLE);

  @BeforeAll
  static void generate() throws Exception {
    data = tempDir("mapsdf");
    spec = new SampleGenerator.Spec(7, 2, 8, 5, 12, 64, 96, 23);
    SampleGenerator.generate(spark, data, spec);
    List<Row> rows = new ArrayList<>();
    for (Row r : spark.read().parquet(data.resolve("maps_parquet").toString()).collectAsList()) {
      String image = r.getAs("image_id");
      String level = r.getAs("level");
      int c = r.<Integer>getAs("channels");
      int h = r.<Integer>getAs("height");
      int w = r.<Integer>getAs("width");
      byte[] bytes = r.getAs("data");
      float[] values = InputRecords.floats(bytes);
      String dtype = null;
      if (level.equals("p3")) {
        switch (image) {
          case "img_0001" -> bytes = Arrays.copyOf(bytes, bytes.length - 4);
          case "img_0002" -> dtype = "float64";
          case "img_0003" -> h = 0;
          case "img_0005" -> bytes = null;
          case "img_0004" -> {
            dtype = "float16";
            bytes = float16(values);
            for (int i = 0; i < values.length; i++) {
              values[i] = HalfPrecision.fromFloat16(HalfPrecision.toFloat16(values[i]));
            }
          }
          default -> { }
        }
      }
      rows.add(RowFactory.create(image, level, c, h, w, r.getAs("spatial_scale"), bytes, dtype));
      MAPS.computeIfAbsent(image, k -> new HashMap<>()).put(level,
          FeatureMap.chw(values, c, r.<Integer>getAs("height"), w));
      if (image.equals("img_0000")) {
        rows.add(RowFactory.create(LONELY, level, c, h, w, r.getAs("spatial_scale"), bytes, dtype));
      }
    }
    MAP_ROWS.addAll(rows);
    mapRows = spark.createDataFrame(rows, MAP_ROW).repartition(3);
    // The same rows as Parquet maps, for the path the CLI reads.
    mapRows.write().parquet(data.resolve("maps_same_as_rows").toString());

    List<Row> extra = List.of(
        RowFactory.create("img_0000", Double.NaN, 1.0, 5.0, 5.0, 0.5, 1),
        RowFactory.create("no_such_image", 1.0, 1.0, 5.0, 5.0, 0.5, 1));
    spark.read().parquet(data.resolve("proposals_parquet").toString())
        .union(spark.createDataFrame(extra, SampleGenerator.PROPOSAL_SCHEMA)).coalesce(1)
        .write().parquet(data.resolve("proposals").toString());
    proposals = InputRecords.parquet(spark, data.resolve("proposals"));
  }

  @AfterAll
  static void cleanup() throws IOException {
    deleteTree(data);
  }

  private static Dataset<Row> proposalRows() {
    return spark.read().parquet(data.resolve("proposals").toString());
  }

  private static RoiFeatures api(String op, boolean declared) {
    RoiFeatures api = RoiFeatures.on(spark).op(op).pooledSize(3, 2).samplingRatio(2)
        .aligned(true);
    if (op.equals("roi_align")) {
      api.level("p3");
    } else {
      api.levels("p3", "p4").scales("p3=1/8,p4=1/16");
    }
    return declared ? api.channels(spec.channels()) : api;
  }

  @ParameterizedTest(name = "{0}, maps facts declared {1}")
  @CsvSource({"roi_align, false", "roi_align, true", "multiscale_roi_align, false",
      "multiscale_roi_align, true"})
  void equalsTheSameMapsGivenAsParquetAndCoreOpsOnTheInputs(String op, boolean declared) {
    Extraction rows = api(op, declared).maps(mapRows).extract(proposalRows());
    Extraction files = api(op, declared).maps(data.resolve("maps_same_as_rows").toString())
        .extract(proposalRows());

    List<Row> features = rows.features().collectAsList();
    Map<String, byte[]> fromFiles = new TreeMap<>();
    for (Row r : files.features().collectAsList()) {
      fromFiles.put(OutputKeys.key(r), r.getAs("features"));
    }
    assertEquals(fromFiles.keySet().size(), features.size(), "rows");
    for (Row r : features) {
      assertArrayEquals(fromFiles.get(OutputKeys.key(r)), (byte[]) r.getAs("features"),
          "vector of " + OutputKeys.key(r) + " as with the maps as Parquet");
    }

    // The same rejects: keys and reasons; the details of the map problems name the image and
    // level instead of a file and row.
    List<Row> rejects = rows.rejects().collectAsList();
    assertEquals(reasons(files.rejects().collectAsList()), reasons(rejects), "rejects");
    Map<InputRecords.Key, String> expectedRejects = new TreeMap<>();
    for (InputRecords.Proposal p : proposals.values()) {
      if (BAD_P3.containsKey(p.imageId())) {
        expectedRejects.put(p.key(), BAD_P3.get(p.imageId()).name());
      } else if (p.imageId().equals("no_such_image")) {
        expectedRejects.put(p.key(), RejectReason.NO_FEATURE_MAP.name());
      } else if (p.x1().isNaN()) {
        expectedRejects.put(p.key(), null); // a per-row reject; its reason is RejectsTest's
      }
    }
    Map<InputRecords.Key, String> got = new TreeMap<>();
    for (Row r : rejects) {
      InputRecords.Key k = new InputRecords.Key(r.getAs("image_id"), r.<Long>getAs("roi_id"));
      String reason = r.getAs("reason");
      String detail = r.getAs("detail");
      got.put(k, expectedRejects.containsKey(k) && expectedRejects.get(k) == null ? null : reason);
      if (BAD_P3.containsKey(k.imageId())) {
        assertTrue(detail.contains("image " + k.imageId()) && detail.contains("level 'p3'"),
            "the detail names the image and level: " + detail);
      }
    }
    assertEquals(expectedRejects, got, "rejects by input proposal");
    assertFalse(rejects.stream().anyMatch(r -> LONELY.equals(r.getAs("image_id")))
        || features.stream().anyMatch(r -> LONELY.equals(r.getAs("image_id"))),
        "an image with maps and no proposals gives nothing");

    // And against the inputs: every other proposal pooled by core-ops from its input maps.
    RoiAlignParams params = new RoiAlignParams(3, 2, op.equals("roi_align") ? 1.0 / 8 : 1, 2, true,
        PoolingMode.AVG);
    MultiScaleRoiAlign multi = MultiScaleRoiAlign.torchvision(new double[] {1.0 / 8, 1.0 / 16},
        params);
    ExpectedOutput.of(proposals, p -> {
      if (op.equals("roi_align")) {
        return ExpectedOutput.Pooled.of(RoiAlign.forward(MAPS.get(p.imageId()).get("p3"), p.box(),
            params), "p3");
      }
      FeatureMap[] maps = {MAPS.get(p.imageId()).get("p3"), MAPS.get(p.imageId()).get("p4")};
      float[] want = new float[multi.rowLength(spec.channels())];
      int[] level = new int[1];
      multi.forward(maps, p.box(), 0, 1, want, 0, level, 0);
      return ExpectedOutput.Pooled.of(want, level[0] < 0 ? null : level[0] == 0 ? "p3" : "p4");
    }).without(expectedRejects.keySet()).assertMatches(features, op + " from maps rows");
  }

  @Test
  void extractRunsNoSparkJobWhenTheMapsFactsAreDeclared() {
    Dataset<Row> p = proposalRows();
    AtomicInteger jobs = new AtomicInteger();
    SparkListener counter = new SparkListener() {
      @Override
      public void onJobStart(SparkListenerJobStart jobStart) {
        jobs.incrementAndGet();
      }
    };
    spark.sparkContext().addSparkListener(counter);
    try {
      for (String op : List.of("roi_align", "multiscale_roi_align")) {
        Extraction x = api(op, true).maps(mapRows).extract(p);
        x.features();
        x.rejects();
        x.description();
      }
      waitForListenerBus();
      assertEquals(0, jobs.get(), "extract() with declared facts and maps rows ran Spark jobs");
    } finally {
      spark.sparkContext().removeSparkListener(counter);
    }
  }

  @Test
  void theMapsCrossTheNetworkOnceInTheProposalsShuffle() {
    // One exchange, by image, under both outputs: no join that would copy an image's maps to each
    // of its proposals, no second shuffle of the maps.
    Dataset<Row> maps = spark.createDataFrame(MAP_ROWS, MAP_ROW);
    Extraction x = api("roi_align", true).maps(maps).extract(proposalRows());
    for (Dataset<Row> out : List.of(x.features(), x.rejects())) {
      String plan = out.queryExecution().executedPlan().toString();
      assertEquals(1, plan.split("Exchange ", -1).length - 1, plan);
      assertTrue(plan.contains("Exchange hashpartitioning(image_id"), plan);
      assertFalse(plan.contains("Join"), plan);
    }
  }

  @Test
  void mapsWithoutARequiredColumnOrWithNonBinaryDataAreAnErrorNamingIt() {
    Exception e = assertThrows(IllegalArgumentException.class,
        () -> api("roi_align", true).maps(mapRows.drop("width")).extract(proposalRows()));
    assertTrue(e.getMessage().contains("'width'"), e.getMessage());
    Dataset<Row> floats = mapRows.withColumn("data", functions.array(functions.lit(1.0f)));
    e = assertThrows(IllegalArgumentException.class,
        () -> api("roi_align", true).maps(floats).extract(proposalRows()));
    assertTrue(e.getMessage().contains("'data'") && e.getMessage().contains("array<float>"),
        e.getMessage());
  }

  @Test
  void runNeedsAMapsPath() {
    Exception e = assertThrows(IllegalStateException.class,
        () -> RoiFeatures.on(spark).maps(mapRows).run());
    assertTrue(e.getMessage().contains("maps.path"), e.getMessage());
  }

  /** image_id, roi_id, reason of each reject, sorted. */
  private static List<String> reasons(List<Row> rejects) {
    return rejects.stream().map(r -> r.getAs("image_id") + "/" + r.getAs("roi_id") + " "
        + r.getAs("reason")).sorted().toList();
  }

  private static byte[] float16(float[] values) {
    ByteBuffer b = ByteBuffer.allocate(2 * values.length).order(ByteOrder.LITTLE_ENDIAN);
    for (float f : values) {
      b.putShort(HalfPrecision.toFloat16(f));
    }
    return b.array();
  }

  /** Waits until the listener bus has delivered every event posted so far. */
  private static void waitForListenerBus() {
    try {
      Thread.sleep(1000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
