package org.roifeatures.spark;

import org.roifeatures.spark.cli.Inspect;
import org.roifeatures.spark.conf.JobOptions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructField;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.roifeatures.ops.FeatureMap;
import org.roifeatures.ops.HalfPrecision;
import org.roifeatures.ops.MultiScaleRoiAlign;
import org.roifeatures.ops.PoolingMode;
import org.roifeatures.ops.PsRoiAlign;
import org.roifeatures.ops.RoiAlign;
import org.roifeatures.ops.RoiAlignParams;
import org.roifeatures.ops.RoiPool;
import org.roifeatures.ops.RoiPoolParams;
import org.roifeatures.ops.Semantics;
import org.roifeatures.spark.io.NpyArrays;
import org.roifeatures.spark.sample.SampleGenerator;

/**
 * The job on the built-in sample data in every input format: every output vector equals what core-ops
 * computes directly for that box and map (bit for bit), nothing is lost or duplicated, and the output
 * describes itself.
 */
class EndToEndTest extends SparkTestBase {

  private static Path data;
  private static SampleGenerator.Spec spec;
  private static long proposals;
  /** image → level → map, read straight from the .npy files (independent of the job's readers). */
  private static final Map<String, Map<String, FeatureMap>> MAPS = new HashMap<>();

  @BeforeAll
  static void generate() throws Exception {
    data = tempDir("e2e");
    spec = new SampleGenerator.Spec(5, 3, 8, 4, 30, 384, 512, 11);
    proposals = SampleGenerator.generate(spark, data, spec);
    for (int i = 0; i < spec.images(); i++) {
      String id = String.format("img_%04d", i);
      for (String level : spec.levelNames()) {
        try (InputStream in = Files.newInputStream(data.resolve("maps_npy").resolve(id)
            .resolve(level + ".npy"))) {
          NpyArrays.FloatArray a = NpyArrays.read(in);
          MAPS.computeIfAbsent(id, k -> new HashMap<>()).put(level, FeatureMap.chw(a.data(),
              (int) a.shape()[0], (int) a.shape()[1], (int) a.shape()[2]));
        }
      }
    }
  }

  @AfterAll
  static void cleanup() throws Exception {
    deleteTree(data);
  }

  private static String out(String name) {
    return data.resolve("out").resolve(name).toString();
  }

  /** The proposals as written in each input format, read by the tests' own readers. */
  private static Map<InputRecords.Key, InputRecords.Proposal> inputs(String proposalsDir) {
    Path p = data.resolve(proposalsDir);
    return switch (proposalsDir) {
      case "proposals_csv" -> InputRecords.csv(p);
      case "proposals_json" -> InputRecords.jsonLines(p);
      default -> InputRecords.parquet(spark, p);
    };
  }

  @Test
  void theInputFormatsHoldTheSameProposals() {
    Map<InputRecords.Key, InputRecords.Proposal> parquet = inputs("proposals_parquet");
    assertEquals(proposals, parquet.size());
    assertEquals(parquet, inputs("proposals_csv"));
    assertEquals(parquet, inputs("proposals_json"));
  }

  private static double[] levelScales() {
    String[] levels = spec.levelNames();
    double[] scales = new double[levels.length];
    for (int l = 0; l < levels.length; l++) {
      scales[l] = 1.0 / spec.stride(l);
    }
    return scales;
  }

  /** core-ops' multi-scale RoI Align of the input proposal's box on its image's maps. */
  private static ExpectedOutput.Pooled multiScale(MultiScaleRoiAlign op, InputRecords.Proposal p) {
    String[] levels = spec.levelNames();
    FeatureMap[] maps = new FeatureMap[levels.length];
    for (int l = 0; l < levels.length; l++) {
      maps[l] = MAPS.get(p.imageId()).get(levels[l]);
    }
    float[] want = new float[op.rowLength(spec.channels())];
    int[] level = new int[1];
    op.forward(maps, p.box(), 0, 1, want, 0, level, 0);
    return ExpectedOutput.Pooled.of(want, level[0] < 0 ? null : levels[level[0]]);
  }

  @ParameterizedTest(name = "multiscale_roi_align from {0} maps")
  @ValueSource(strings = {"parquet", "arrow", "npy"})
  void multiScaleEqualsCoreOpsInEveryInputFormat(String format) throws Exception {
    String output = out("ms_" + format);
    JobSummary s = runJob(JobOptions.MAPS_PATH, data.resolve("maps_" + format).toString(),
        JobOptions.PROPOSALS_PATH, data.resolve("proposals_parquet").toString(),
        JobOptions.OP, "multiscale_roi_align", JobOptions.SAMPLING_RATIO, "2",
        JobOptions.ALIGNED, "false", JobOptions.OUTPUT_PATH, output);
    assertEquals(proposals, s.proposals());
    assertEquals(0, s.rejected(), s.rejectsByReason().toString());
    assertEquals(spec.images(), s.imagesPooled());
    assertEquals(proposals, s.roisWritten());

    Dataset<Row> df = spark.read().parquet(output);
    List<Row> rows = df.collectAsList();
    MultiScaleRoiAlign op = MultiScaleRoiAlign.torchvision(levelScales(),
        RoiAlignParams.of(7, 7, 1, 2, false));
    Map<InputRecords.Key, InputRecords.Proposal> in = inputs("proposals_parquet");
    assertEquals(proposals, in.size());
    ExpectedOutput.of(in, p -> multiScale(op, p)).assertMatches(rows, "multiscale " + format);
    Set<String> levelsSeen = new HashSet<>();
    for (InputRecords.Proposal p : in.values()) {
      levelsSeen.add(multiScale(op, p).level());
    }
    assertTrue(levelsSeen.size() >= 2, "sample boxes should span levels, saw " + levelsSeen);
    assertDescribed(df, output, "multiscale_roi_align", spec.channels() * 49);
  }

  @Test
  void singleLevelOpsEqualCoreOps() {
    String alignOut = out("align_p3");
    runJob(JobOptions.MAPS_PATH, data.resolve("maps_parquet").toString(),
        JobOptions.PROPOSALS_PATH, data.resolve("proposals_csv").toString(),
        JobOptions.OP, "roi_align", JobOptions.LEVEL, "p3", JobOptions.MODE, "max",
        JobOptions.ALIGNED, "true",
        JobOptions.POOLED_HEIGHT, "5", JobOptions.POOLED_WIDTH, "3", JobOptions.OUTPUT_PATH, alignOut);
    RoiAlignParams align = new RoiAlignParams(5, 3, 1.0 / 8, 0, true, PoolingMode.MAX);
    ExpectedOutput.of(inputs("proposals_csv"), p -> ExpectedOutput.Pooled.of(
        RoiAlign.forward(MAPS.get(p.imageId()).get("p3"), p.box(), align), "p3"))
        .assertMatches(spark.read().parquet(alignOut).collectAsList(), "roi_align p3 from csv");

    String poolOut = out("pool_p4");
    runJob(JobOptions.MAPS_PATH, data.resolve("maps_arrow").toString(),
        JobOptions.PROPOSALS_PATH, data.resolve("proposals_json").toString(),
        JobOptions.OP, "roi_pool", JobOptions.LEVEL, "p4", JobOptions.OUTPUT_PATH, poolOut);
    RoiPoolParams pool = new RoiPoolParams(7, 7, 1.0 / 16);
    ExpectedOutput.of(inputs("proposals_json"), p -> ExpectedOutput.Pooled.of(
        RoiPool.forward(MAPS.get(p.imageId()).get("p4"), p.box(), pool), "p4"))
        .assertMatches(spark.read().parquet(poolOut).collectAsList(), "roi_pool p4 from json");

    String psOut = out("ps_p3");
    runJob(JobOptions.MAPS_PATH, data.resolve("maps_npy").toString(),
        JobOptions.PROPOSALS_PATH, data.resolve("proposals_parquet").toString(),
        JobOptions.OP, "ps_roi_align", JobOptions.LEVEL, "p3", JobOptions.POOLED_HEIGHT, "2",
        JobOptions.POOLED_WIDTH, "2", JobOptions.OUTPUT_PATH, psOut);
    RoiAlignParams ps = RoiAlignParams.of(2, 2, 1.0 / 8, 0, true);
    ExpectedOutput.of(inputs("proposals_parquet"), p -> ExpectedOutput.Pooled.of(
        PsRoiAlign.forward(MAPS.get(p.imageId()).get("p3"), p.box(), ps), "p3"))
        .assertMatches(spark.read().parquet(psOut).collectAsList(), "ps_roi_align p3 from parquet");
  }

  @ParameterizedTest(name = "semantics {0}")
  @ValueSource(strings = {"mmdet", "detectron2", "onnx"})
  void semanticsPresetsMatchCoreOpsAndAreRecorded(String preset) throws Exception {
    String output = out("sem_" + preset);
    runJob(JobOptions.MAPS_PATH, data.resolve("maps_parquet").toString(),
        JobOptions.PROPOSALS_PATH, data.resolve("proposals_parquet").toString(),
        JobOptions.OP, "multiscale_roi_align", JobOptions.SEMANTICS, preset, JobOptions.MODE, "max",
        JobOptions.OUTPUT_PATH, output);
    Semantics sem = Semantics.preset(preset);
    MultiScaleRoiAlign op = MultiScaleRoiAlign.of(sem, levelScales(), 7, 7, sem.maxMode());
    Dataset<Row> df = spark.read().parquet(output);
    ExpectedOutput.of(inputs("proposals_parquet"), p -> multiScale(op, p))
        .assertMatches(df.collectAsList(), "semantics " + preset);
    Map<String, String> meta = Inspect.vectorMetadata(df);
    assertEquals(preset, meta.get("roi_features.semantics"));
    assertEquals("true", meta.get("roi_features.aligned"));
    assertEquals(preset.equals("onnx") ? "onnx_max" : "max", meta.get("roi_features.mode"));
    assertTrue(meta.get("roi_features.level_mapper").startsWith(preset.equals("onnx") ? "torchvision"
        : preset), meta.get("roi_features.level_mapper"));
  }

  @Test
  void vectorFormatsAndPrecisionsCarryTheSameValues() throws Exception {
    // The default op (roi_align, torchvision: 7x7, adaptive sampling, aligned=false) on level p4.
    RoiAlignParams p4 = RoiAlignParams.of(7, 7, 1.0 / 16, -1, false);
    ExpectedOutput expected = ExpectedOutput.of(inputs("proposals_parquet"),
        p -> ExpectedOutput.Pooled.of(RoiAlign.forward(MAPS.get(p.imageId()).get("p4"), p.box(), p4),
            "p4"));
    String base = out("fmt_binary");
    runJob(JobOptions.MAPS_PATH, data.resolve("maps_parquet").toString(),
        JobOptions.PROPOSALS_PATH, data.resolve("proposals_parquet").toString(),
        JobOptions.LEVEL, "p4", JobOptions.OUTPUT_PATH, base);
    expected.assertMatches(spark.read().parquet(base).collectAsList(), "binary vectors");
    assertBinaryVectorsPlainWithoutStatistics(base);
    // Spark's own writer (output.writer=spark) writes the same rows.
    String sparks = out("fmt_binary_spark_writer");
    runJob(JobOptions.MAPS_PATH, data.resolve("maps_parquet").toString(),
        JobOptions.PROPOSALS_PATH, data.resolve("proposals_parquet").toString(),
        JobOptions.LEVEL, "p4", JobOptions.WRITER, "spark", JobOptions.OUTPUT_PATH, sparks);
    assertBinaryVectorsPlainWithoutStatistics(sparks);
    assertEquals(spark.read().parquet(base).schema(), spark.read().parquet(sparks).schema());
    expected.assertMatches(spark.read().parquet(sparks).collectAsList(), "spark writer");
    for (String fmt : List.of("array", "vector")) {
      String o = out("fmt_" + fmt);
      runJob(JobOptions.MAPS_PATH, data.resolve("maps_parquet").toString(),
          JobOptions.PROPOSALS_PATH, data.resolve("proposals_parquet").toString(),
          JobOptions.LEVEL, "p4", JobOptions.VECTOR_FORMAT, fmt, JobOptions.OUTPUT_PATH, o);
      expected.assertMatches(spark.read().parquet(o).collectAsList(), fmt + " vectors");
    }
    for (String precision : List.of("float16", "bfloat16")) {
      String o = out("prec_" + precision);
      runJob(JobOptions.MAPS_PATH, data.resolve("maps_parquet").toString(),
          JobOptions.PROPOSALS_PATH, data.resolve("proposals_parquet").toString(),
          JobOptions.LEVEL, "p4", JobOptions.PRECISION, precision, JobOptions.OUTPUT_PATH, o);
      Dataset<Row> df = spark.read().parquet(o);
      Map<String, String> meta = Inspect.vectorMetadata(df);
      assertEquals(precision, meta.get("roi_features.dtype"));
      List<Row> rows = df.collectAsList();
      ExpectedOutput.assertKeys(rows, expected.keys(), precision);
      for (Row r : rows) {
        InputRecords.Proposal in = expected.input(ExpectedOutput.key(r));
        ExpectedOutput.assertPassThrough(in, r, precision);
        byte[] b = r.getAs("features");
        float[] w = RoiAlign.forward(MAPS.get(in.imageId()).get("p4"), in.box(), p4);
        assertEquals(w.length * 2, b.length);
        java.nio.ByteBuffer buf = java.nio.ByteBuffer.wrap(b).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < w.length; i++) {
          short want = precision.equals("float16") ? HalfPrecision.toFloat16(w[i])
              : HalfPrecision.toBfloat16(w[i]);
          assertEquals(want, buf.getShort(), precision + " " + in.key() + " element " + i);
        }
      }
    }
  }

  @Test
  void refusesToOverwriteByDefault() {
    String o = out("twice");
    runJob(JobOptions.MAPS_PATH, data.resolve("maps_parquet").toString(),
        JobOptions.PROPOSALS_PATH, data.resolve("proposals_parquet").toString(),
        JobOptions.LEVEL, "p5", JobOptions.OUTPUT_PATH, o);
    IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(
        IllegalArgumentException.class, () -> runJob(JobOptions.MAPS_PATH,
            data.resolve("maps_parquet").toString(), JobOptions.PROPOSALS_PATH,
            data.resolve("proposals_parquet").toString(), JobOptions.LEVEL, "p5",
            JobOptions.OUTPUT_PATH, o));
    assertTrue(e.getMessage().contains("already exists"), e.getMessage());
    JobSummary again = runJob(JobOptions.MAPS_PATH, data.resolve("maps_parquet").toString(),
        JobOptions.PROPOSALS_PATH, data.resolve("proposals_parquet").toString(),
        JobOptions.LEVEL, "p5", JobOptions.OUTPUT_PATH, o, JobOptions.SAVE_MODE, "overwrite");
    assertEquals(proposals, again.roisWritten());
    ExpectedOutput.assertKeys(spark.read().parquet(o).collectAsList(),
        inputs("proposals_parquet").keySet(), "overwritten output");
  }

  /**
   * {@code rows} are exactly the proposals of {@code goodInputs} (keys, pass-through columns), each
   * with core-ops' RoI Align of its INPUT box on level p3's map {@code maps.get(image_id)} (C×H×W).
   */
  static void assertRowsEqualRoiAlign(List<Row> rows,
      Map<InputRecords.Key, InputRecords.Proposal> goodInputs, Map<String, float[]> maps, int c,
      int h, int w, RoiAlignParams params) {
    ExpectedOutput.of(goodInputs, p -> ExpectedOutput.Pooled.of(RoiAlign.forward(
        FeatureMap.chw(maps.get(p.imageId()), c, h, w), p.box(), params), "p3"))
        .assertMatches(rows, "roi_align p3");
  }

  /**
   * BinaryVectorColumn: in every part file the features column chunks are neither dictionary encoded
   * nor carry min/max statistics; the other columns keep Parquet's defaults (image_id: dictionary).
   */
  static void assertBinaryVectorsPlainWithoutStatistics(String output) throws Exception {
    org.apache.hadoop.conf.Configuration conf = new org.apache.hadoop.conf.Configuration();
    int chunks = 0;
    try (var parts = Files.list(Path.of(output))) {
      for (Path part : (Iterable<Path>) parts.filter(p -> p.toString().endsWith(".parquet"))::iterator) {
        try (var reader = org.apache.parquet.hadoop.ParquetFileReader.open(
            org.apache.parquet.hadoop.util.HadoopInputFile.fromPath(
                new org.apache.hadoop.fs.Path(part.toUri()), conf))) {
          for (var block : reader.getFooter().getBlocks()) {
            for (var column : block.getColumns()) {
              String name = column.getPath().toDotString();
              if (name.equals("features")) {
                chunks++;
                assertFalse(column.hasDictionaryPage(), part + ": features dictionary encoded");
                assertFalse(column.getStatistics() != null && column.getStatistics().hasNonNullValue(),
                    part + ": features has min/max statistics");
              } else if (name.equals("image_id")) {
                assertTrue(column.hasDictionaryPage(), part + ": image_id lost its dictionary");
              }
            }
          }
        }
      }
    }
    assertTrue(chunks > 0, "no features column chunks in " + output);
  }

  static void assertDescribed(Dataset<Row> df, String output, String op, int length) throws Exception {
    List<String> names = List.of(df.columns());
    assertEquals(List.of("image_id", "roi_id", "x1", "y1", "x2", "y2", "score", "label", "level",
        "features"), names);
    StructField f = df.schema().apply("features");
    assertEquals("binary", f.dataType().typeName());
    Map<String, String> meta = Inspect.vectorMetadata(df);
    assertEquals(op, meta.get("roi_features.op"));
    assertEquals(Integer.toString(length), meta.get("roi_features.vector_length"));
    assertEquals("float32", meta.get("roi_features.dtype"));
    assertEquals("little", meta.get("roi_features.byte_order"));
    assertFalse(meta.get("roi_features.numpy").isEmpty());
    @SuppressWarnings("unchecked")
    Map<String, String> sidecar = new ObjectMapper().readValue(
        Path.of(output, OutputMetadata.SIDECAR).toFile(), Map.class);
    assertEquals(meta, sidecar);
  }
}
