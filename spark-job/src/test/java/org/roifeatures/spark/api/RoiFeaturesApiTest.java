package org.roifeatures.spark.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
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
import org.apache.spark.sql.types.StructField;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.roifeatures.ops.FeatureMap;
import org.roifeatures.ops.RoiAlign;
import org.roifeatures.ops.RoiAlignParams;
import org.roifeatures.spark.ExpectedOutput;
import org.roifeatures.spark.InputRecords;
import org.roifeatures.spark.conf.JobOptions;
import org.roifeatures.spark.OutputKeys;
import org.roifeatures.spark.SparkTestBase;
import org.roifeatures.spark.sample.SampleGenerator;

/**
 * The public API: lazy (no Spark job when the maps' facts are declared), equal to the CLI's outputs
 * row for row on every map and proposal format, its rejects equal to the CLI's (maps that fail to
 * load included), the vector description kept through a plain {@code df.write()}, and counts that
 * do not depend on which actions the caller ran.
 */
class RoiFeaturesApiTest extends SparkTestBase {

  private static Path data;
  private static SampleGenerator.Spec spec;
  private static final Map<String, Map<String, FeatureMap>> MAPS = new HashMap<>();

  @BeforeAll
  static void generate() throws Exception {
    data = tempDir("api");
    spec = new SampleGenerator.Spec(6, 2, 8, 5, 12, 64, 96, 11);
    SampleGenerator.generate(spark, data, spec);
    MAPS.putAll(InputRecords.parquetMaps(spark, data.resolve("maps_parquet")));
    // Proposals with problems for the rejects: a NaN box, an image without maps, no image id.
    List<Row> extra = List.of(
        RowFactory.create("img_0001", Double.NaN, 1.0, 5.0, 5.0, 0.5, 1),
        RowFactory.create("no_such_image", 1.0, 1.0, 5.0, 5.0, 0.5, 1),
        RowFactory.create("", 1.0, 1.0, 5.0, 5.0, 0.5, 1));
    Dataset<Row> withBad = spark.read().parquet(data.resolve("proposals_parquet").toString())
        .union(spark.createDataFrame(extra, SampleGenerator.PROPOSAL_SCHEMA)).coalesce(1);
    withBad.write().parquet(data.resolve("proposals_bad").toString());
    // An .npy map truncated: the image's proposals are rejected when its maps are loaded.
    Path npyCopy = data.resolve("maps_npy_bad");
    copyTree(data.resolve("maps_npy"), npyCopy);
    Path victim = npyCopy.resolve("img_0002").resolve("p3.npy");
    try (RandomAccessFile f = new RandomAccessFile(victim.toFile(), "rw")) {
      f.setLength(f.length() - 100);
    }
  }

  @AfterAll
  static void cleanup() throws IOException {
    deleteTree(data);
  }

  private static RoiFeatures api() {
    return RoiFeatures.on(spark).op("roi_align").level("p3").pooledSize(3, 2).samplingRatio(2)
        .aligned(true);
  }

  @Test
  void extractRunsNoSparkJobWhenTheMapsFactsAreDeclared() {
    Dataset<Row> proposals = spark.read().parquet(data.resolve("proposals_bad").toString());
    AtomicInteger jobs = new AtomicInteger();
    SparkListener counter = new SparkListener() {
      @Override
      public void onJobStart(SparkListenerJobStart jobStart) {
        jobs.incrementAndGet();
      }
    };
    spark.sparkContext().addSparkListener(counter);
    try {
      for (String maps : List.of("maps_parquet", "maps_arrow", "maps_npy")) {
        Extraction x = api().maps(data.resolve(maps).toString()).channels(spec.channels())
            .extract(proposals);
        x.features();
        x.rejects();
        x.description();
      }
      waitForListenerBus();
      assertEquals(0, jobs.get(), "extract() with declared channels and level ran Spark jobs");
    } finally {
      spark.sparkContext().removeSparkListener(counter);
    }
  }

  @ParameterizedTest(name = "maps {0}, proposals {1}, channels declared {2}")
  @CsvSource({"maps_parquet, proposals_bad, false", "maps_arrow, proposals_csv, true",
      "maps_npy_bad, proposals_json, false", "maps_npy_bad, proposals_bad, true",
      "maps_parquet, proposals_parquet, true"})
  void equalsTheCliRowForRowAndTheInputsPooledByCoreOps(String maps, String proposals,
      boolean declared) throws Exception {
    String out = data.resolve("cli_" + maps + "_" + proposals + "_" + declared).toString();
    List<String> kv = new ArrayList<>(List.of(JobOptions.MAPS_PATH, data.resolve(maps).toString(),
        JobOptions.PROPOSALS_PATH, data.resolve(proposals).toString(), JobOptions.OUTPUT_PATH, out,
        JobOptions.OP, "roi_align", JobOptions.LEVEL, "p3", JobOptions.POOLED_HEIGHT, "3",
        JobOptions.POOLED_WIDTH, "2", JobOptions.SAMPLING_RATIO, "2", JobOptions.ALIGNED, "true"));
    if (declared) {
      kv.addAll(List.of(JobOptions.MAPS_CHANNELS, Integer.toString(spec.channels())));
    }
    runJob(kv.toArray(String[]::new));

    RoiFeatures api = api().maps(data.resolve(maps).toString());
    if (declared) {
      api.channels(spec.channels());
    }
    Extraction x = api.extract(data.resolve(proposals).toString());
    List<Row> features = x.features().collectAsList();
    Map<String, byte[]> cli = OutputKeys.vectors(spark, out);
    assertEquals(cli.size(), features.size(), "rows");
    for (Row r : features) {
      assertArrayEquals(cli.get(OutputKeys.key(r)), (byte[]) r.getAs("features"),
          "vector of " + OutputKeys.key(r));
    }
    List<String> apiRejects = x.rejects().select("image_id", "roi_id", "reason", "detail")
        .collectAsList().stream().map(Row::toString).sorted().toList();
    List<String> cliRejects = spark.read().parquet(out + "_rejects")
        .select("image_id", "roi_id", "reason", "detail")
        .collectAsList().stream().map(Row::toString).sorted().toList();
    assertEquals(cliRejects, apiRejects, "rejects");
    if (proposals.equals("proposals_bad")) {
      assertTrue(apiRejects.size() >= 3, "the bad proposals are rejected: " + apiRejects);
    }
    if (maps.equals("maps_npy_bad")) {
      assertTrue(apiRejects.stream().anyMatch(s -> s.contains("img_0002")
          && s.contains("MAP_")), "the truncated map's image is rejected: " + apiRejects);
    }

    // And against the inputs: every proposal not rejected, pooled from the input map by core-ops.
    Map<InputRecords.Key, InputRecords.Proposal> in = switch (proposals) {
      case "proposals_csv" -> InputRecords.csv(data.resolve(proposals));
      case "proposals_json" -> InputRecords.jsonLines(data.resolve(proposals));
      default -> InputRecords.parquet(spark, data.resolve("proposals_parquet"));
    };
    List<InputRecords.Key> rejected = new ArrayList<>();
    for (Row r : x.rejects().collectAsList()) {
      if (!r.isNullAt(r.fieldIndex("roi_id")) && r.getAs("image_id") != null) {
        rejected.add(new InputRecords.Key(r.getAs("image_id"), r.<Long>getAs("roi_id")));
      }
    }
    // The extra bad proposals are not in the clean input read here: their rejects are checked above.
    rejected.removeIf(k -> !in.containsKey(k));
    RoiAlignParams params = new RoiAlignParams(3, 2, 1.0 / 8, 2, true,
        org.roifeatures.ops.PoolingMode.AVG);
    ExpectedOutput.of(in, p -> ExpectedOutput.Pooled.of(
        RoiAlign.forward(MAPS.get(p.imageId()).get("p3"), p.box(), params), "p3"))
        .without(rejected).assertMatches(features, "API features, " + maps + " + " + proposals);
  }

  @Test
  void theVectorDescriptionSurvivesAPlainWrite() throws Exception {
    Extraction x = api().maps(data.resolve("maps_parquet").toString())
        .extract(spark.read().parquet(data.resolve("proposals_parquet").toString()));
    Path out = data.resolve("plain_write");
    x.features().write().parquet(out.toString());
    StructField f = spark.read().parquet(out.toString()).schema().apply("features");
    Map<String, String> stored = new TreeMap<>();
    for (String key : x.description().keySet()) {
      assertTrue(f.metadata().contains(key), "metadata key " + key + " kept by df.write()");
      stored.put(key, f.metadata().getString(key));
    }
    assertEquals(new TreeMap<>(x.description()), stored);
    assertEquals(Integer.toString(spec.channels()), stored.get("roi_features.channels"));
    assertEquals(Integer.toString(spec.channels() * 3 * 2), stored.get("roi_features.vector_length"));
  }

  @Test
  void countsAreTheSameWhateverActionsRanBefore() {
    Dataset<Row> proposals = spark.read().parquet(data.resolve("proposals_bad").toString());
    Extraction x = api().maps(data.resolve("maps_npy_bad").toString()).extract(proposals);
    Extraction.Counts before = x.counts();
    long features = x.features().count();
    x.features().count();
    x.rejects().count();
    Extraction.Counts after = x.counts();
    assertEquals(before, after);
    assertEquals(proposals.count(), before.proposals());
    assertEquals(features, before.pooled(), "pooled = rows of the features Dataset");
    assertEquals(x.rejects().count(), before.rejected());
    assertTrue(before.rejected() > 0 && before.pooled() > 0, before.toString());
  }

  @Test
  void badOptionsFailWhenSetNamingTheOption() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> RoiFeatures.on(spark).pooledSize(0, 7));
    assertTrue(e.getMessage().contains("pooled.height"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> RoiFeatures.on(spark).op("roi_magic"));
    assertTrue(e.getMessage().contains("op") && e.getMessage().contains("roi_magic"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> RoiFeatures.on(spark).option("no.such.option", "1"));
    assertTrue(e.getMessage().contains("no.such.option"), e.getMessage());
    // Missing maps: the same message as the CLI's.
    e = assertThrows(IllegalArgumentException.class, () -> RoiFeatures.on(spark)
        .extract(spark.read().parquet(data.resolve("proposals_parquet").toString())));
    assertTrue(e.getMessage().contains("maps.path"), e.getMessage());
  }

  @Test
  void proposalsWithoutBoxColumnsAreAnErrorNamingThem() {
    Dataset<Row> noBoxes = spark.read().parquet(data.resolve("proposals_parquet").toString())
        .drop("x2");
    Exception e = assertThrows(Exception.class,
        () -> api().maps(data.resolve("maps_parquet").toString()).extract(noBoxes));
    assertTrue(e.getMessage().contains("x2"), e.getMessage());
    assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
  }

  /** Waits until the listener bus has delivered every event posted so far. */
  private static void waitForListenerBus() {
    try {
      Thread.sleep(1000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void copyTree(Path from, Path to) throws IOException {
    try (var walk = Files.walk(from)) {
      for (Path p : walk.toList()) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target);
        }
      }
    }
  }
}
