package org.roifeatures.spark;

import org.roifeatures.spark.conf.JobOptions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.roifeatures.ops.PoolingMode;
import org.roifeatures.ops.RoiAlignParams;
import org.roifeatures.spark.io.ArrowMapFiles;
import org.roifeatures.spark.io.FloatBlobs;
import org.roifeatures.spark.sample.SampleGenerator;

/**
 * Corrupt map files and malformed proposal records that {@link RejectsTest} does not craft: a
 * truncated and a garbage Arrow IPC file next to a good one, .npy files whose header disagrees with
 * their data or has the wrong rank, and JSON proposals with wrong types and missing fields. Each bad
 * item must become rejects with a reason and a detail naming the file or value — never a task
 * crash, never a wrong vector — and every good proposal is still written with core-ops' vector.
 */
class CorruptInputsTest extends SparkTestBase {

  private static final int C = 4;
  private static final int H = 8;
  private static final int W = 8;
  private static final double SCALE = 0.25;
  private static final RoiAlignParams PARAMS = new RoiAlignParams(3, 3, SCALE, 2, true,
      PoolingMode.AVG);

  private static Path dir;
  /** Maps of the images whose proposals must be written, by image id. */
  private static final Map<String, float[]> GOOD = new HashMap<>();

  /** One proposal: the CSV or JSON line, and its expected reason (null: written) and detail text. */
  private static final String CSV_HEADER = "image_id,roi_id,x1,y1,x2,y2";

  private record Proposal(String line, String image, long roiId, String reason, String mentions) {}

  @BeforeAll
  static void setUp() throws Exception {
    dir = tempDir("corrupt");
  }

  @AfterAll
  static void cleanup() throws Exception {
    deleteTree(dir);
  }

  @Test
  void truncatedAndGarbageArrowFilesBecomeUnreadableRejectsNamingTheFile() throws Exception {
    Path root = dir.resolve("maps_arrow");
    Files.createDirectories(root);
    writeArrow(root.resolve("good.arrow"), "a_good1", "a_good2");
    byte[] whole = arrowBytes("a_trunc1", "a_trunc2", "a_trunc3", "a_trunc4");
    Files.write(root.resolve("trunc.arrow"), Arrays.copyOf(whole, whole.length / 2));
    byte[] garbage = new byte[4096];
    new Random(5).nextBytes(garbage);
    Files.write(root.resolve("garbage.arrow"), garbage);

    List<Proposal> props = new ArrayList<>();
    for (String id : List.of("a_good1", "a_good2")) {
      props.add(csv(id, 0, "0,0,16,16", null, null));
      props.add(csv(id, 1, "4,4,20,28", null, null));
    }
    // The first batch of the file cut in half is still readable: its image's reject names that file
    // and where in it the map was.
    props.add(csv("a_trunc1", 0, "0,0,8,8", "MAP_UNREADABLE", "trunc.arrow (batch 0, row 0)"));
    // Beyond the cut, and in the garbage file, the job cannot tell which images the file held, so an
    // image without a readable map is a MAP_UNREADABLE reject whose detail names the unreadable files.
    for (String id : List.of("a_trunc4", "a_garbage")) {
      props.add(csv(id, 0, "0,0,8,8", "MAP_UNREADABLE", "trunc.arrow"));
      props.add(csv(id, 1, "0,0,9,9", "MAP_UNREADABLE", "garbage.arrow"));
    }
    Map<String, Row> rejects = runAndCheck(root.toString(), writeCsv("arrow.csv", props), props,
        "arrow");
    String precise = rejects.get("a_trunc1/0").getAs("detail");
    assertTrue(!precise.contains("garbage.arrow"), "a_trunc1 was found in trunc.arrow: " + precise);
  }

  @Test
  void npyHeadersThatDisagreeWithTheDataAreRejected() throws Exception {
    Path root = dir.resolve("maps_npy");
    Files.createDirectories(root);
    Files.writeString(root.resolve("_scales.properties"), "p3=" + SCALE + "\n");
    GOOD.put("n_good", map(21));
    writeNpy(root, "n_good", "(4, 8, 8)", GOOD.get("n_good"));
    // Header claims (4, 8, 8); the file holds half of that.
    writeNpy(root, "n_short", "(4, 8, 8)", Arrays.copyOf(map(22), C * H * W / 2));
    // Header claims (4, 4, 4); the file holds a (4, 8, 8) array: reading the first 64 floats would
    // be a silently wrong map.
    writeNpy(root, "n_long", "(4, 4, 4)", map(23));
    writeNpy(root, "n_2d", "(32, 8)", Arrays.copyOf(map(24), 256));

    List<Proposal> props = new ArrayList<>();
    props.add(csv("n_good", 0, "0,0,16,16", null, null));
    props.add(csv("n_good", 1, "2,3,30,31", null, null));
    props.add(csv("n_short", 0, "0,0,8,8", "MAP_UNREADABLE", "truncated"));
    props.add(csv("n_long", 0, "0,0,8,8", "MAP_LENGTH_MISMATCH", "n_long"));
    props.add(csv("n_2d", 0, "0,0,8,8", "BAD_MAP_SHAPE", "3-D"));
    runAndCheck(root.toString(), writeCsv("npy.csv", props), props, "npy");
  }

  @Test
  void jsonProposalsWithWrongTypesOrMissingFieldsAreRejected() throws Exception {
    GOOD.put("j_good", map(31));
    GOOD.put("j_good2", map(32));
    List<Row> maps = List.of(mapRow("j_good", GOOD.get("j_good")), mapRow("j_good2", GOOD.get("j_good2")));
    String mapsPath = dir.resolve("maps_json").toString();
    spark.createDataFrame(maps, SampleGenerator.MAP_SCHEMA).coalesce(1).write().parquet(mapsPath);

    List<Proposal> props = new ArrayList<>();
    props.add(json("j_good", 0, "\"x1\": 0, \"y1\": 0, \"x2\": 16, \"y2\": 16", null, null));
    // A number written as a JSON string is still a number, as it is in CSV.
    props.add(json("j_good", 1, "\"x1\": \"4\", \"y1\": \"4.5\", \"x2\": 20, \"y2\": 28", null, null));
    props.add(json("j_good", 2, "\"x1\": \"abc\", \"y1\": 0, \"x2\": 10, \"y2\": 10", "BAD_RECORD", "abc"));
    props.add(json("j_good", 3, "\"x1\": 0, \"y1\": 0, \"y2\": 10", "NON_FINITE_BOX", "x2 is missing"));
    props.add(json("j_good", 4, "\"x1\": 0, \"y1\": 0, \"x2\": null, \"y2\": 10", "NON_FINITE_BOX", "x2"));
    props.add(json("j_good", 5, "\"x1\": true, \"y1\": 0, \"x2\": 10, \"y2\": 10", "BAD_RECORD", "true"));
    props.add(json("j_good", 6, "\"x1\": 0, \"y1\": [1, 2], \"x2\": 10, \"y2\": 10", "BAD_RECORD", "y1"));
    props.add(json("j_good", 7, "\"x1\": 0, \"y1\": 0, \"x2\": \"NaN\", \"y2\": 10", "NON_FINITE_BOX", "x2"));
    props.add(json("j_good", 8, "\"x1\": 0, \"y1\": 0, \"x2\": 1e999, \"y2\": 10", "NON_FINITE_BOX", "x2"));
    props.add(json("j_good", 9, "\"x1\": 0, \"y1\": 0, \"x2\": 10, \"y2\": 10, \"score\": \"high\"",
        "BAD_RECORD", "high"));
    props.add(json("j_good2", 0, "\"x1\": 2, \"y1\": 3, \"x2\": 30, \"y2\": 31, \"label\": 2", null, null));
    // Not JSON at all: no fields can be read, so the reject has no keys but shows the text.
    props.add(new Proposal("{\"image_id\": \"j_good\", \"roi_id\": 10, \"x1\": 0,", null, -1,
        "BAD_RECORD", "malformed record: {\"image_id\": \"j_good\""));
    StringBuilder sb = new StringBuilder();
    for (Proposal p : props) {
      sb.append(p.line()).append('\n');
    }
    Path file = dir.resolve("proposals.json");
    Files.writeString(file, sb.toString());
    runAndCheck(mapsPath, file.toString(), props, "json");
  }

  @Test
  void aCorruptParquetMapsFileFailsTheJobNamingTheFileBeforeWritingAnything() throws Exception {
    // Unlike an Arrow file, the Parquet index is read by Spark itself: a file it cannot read fails
    // the index stage, with the file in the error, before any output exists.
    String mapsPath = dir.resolve("maps_bad_parquet").toString();
    spark.createDataFrame(List.of(mapRow("p_good", map(41))), SampleGenerator.MAP_SCHEMA)
        .coalesce(1).write().parquet(mapsPath);
    Path good;
    try (var files = Files.list(Path.of(mapsPath))) {
      good = files.filter(f -> f.getFileName().toString().endsWith(".parquet")).findFirst().orElseThrow();
    }
    byte[] bytes = Files.readAllBytes(good);
    Files.write(Path.of(mapsPath, "part-99999-cut.parquet"), Arrays.copyOf(bytes, bytes.length / 2));
    Path csv = dir.resolve("bad_parquet.csv");
    Files.writeString(csv, "image_id,x1,y1,x2,y2\np_good,0,0,8,8\n");
    String out = dir.resolve("out_bad_parquet").toString();

    // IllegalArgumentException: the CLI prints its message as one line (exit code 2).
    IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(
        IllegalArgumentException.class, () -> runJob(JobOptions.MAPS_PATH, mapsPath,
            JobOptions.PROPOSALS_PATH, csv.toString(), JobOptions.OUTPUT_PATH, out));
    assertTrue(e.getMessage().startsWith("cannot read feature maps: "), e.getMessage());
    assertTrue(e.getMessage().contains("part-99999-cut.parquet"), e.getMessage());
    assertTrue(e.getMessage().contains("not a Parquet file"), e.getMessage());
    assertTrue(!Files.exists(Path.of(out)), "no output after a failed index");
  }

  /** Runs the job, checks every proposal's fate, returns the rejects by "image_id/roi_id". */
  private Map<String, Row> runAndCheck(String mapsPath, String proposalsPath, List<Proposal> props, String tag) {
    String out = dir.resolve("out_" + tag).toString();
    JobSummary s = runJob(JobOptions.MAPS_PATH, mapsPath, JobOptions.PROPOSALS_PATH, proposalsPath,
        JobOptions.OP, "roi_align", JobOptions.LEVEL, "p3", JobOptions.POOLED_HEIGHT, "3",
        JobOptions.POOLED_WIDTH, "3", JobOptions.SAMPLING_RATIO, "2", JobOptions.ALIGNED, "true",
        JobOptions.OUTPUT_PATH, out);

    Map<String, Long> wantByReason = new TreeMap<>();
    long wantWritten = props.stream().filter(p -> p.reason() == null).count();
    props.stream().filter(p -> p.reason() != null)
        .forEach(p -> wantByReason.merge(p.reason(), 1L, Long::sum));
    assertEquals(props.size(), s.proposals());
    assertEquals(wantByReason, s.rejectsByReason(), "reject counts by reason");
    assertEquals(wantWritten, s.roisWritten());

    Map<String, Row> rejects = new LinkedHashMap<>();
    for (Row r : spark.read().parquet(out + "_rejects").collectAsList()) {
      rejects.put(r.getAs("image_id") + "/" + r.getAs("roi_id"), r);
    }
    assertEquals(props.size() - wantWritten, rejects.size());
    for (Proposal p : props) {
      if (p.reason() == null) {
        continue;
      }
      Row r = rejects.get(p.image() == null ? "null/null" : p.image() + "/" + p.roiId());
      assertTrue(r != null, "no reject for " + p.line() + " in " + rejects.keySet());
      assertEquals(p.reason(), r.getAs("reason"), p.line());
      String detail = r.getAs("detail");
      assertTrue(detail != null && detail.contains(p.mentions()), "detail of " + p.line()
          + " should mention '" + p.mentions() + "': " + detail);
    }

    List<Row> rows = spark.read().parquet(out).collectAsList();
    assertEquals(wantWritten, rows.size());
    List<String> good = props.stream().filter(p -> p.reason() == null).map(Proposal::line).toList();
    EndToEndTest.assertRowsEqualRoiAlign(rows, proposalsPath.endsWith(".json")
        ? InputRecords.jsonLines(good) : InputRecords.csvLines(CSV_HEADER, good), GOOD, C, H, W,
        PARAMS);
    return rejects;
  }

  private static Proposal csv(String image, long roiId, String box, String reason, String mentions) {
    return new Proposal(image + "," + roiId + "," + box, image, roiId, reason, mentions);
  }

  private static Proposal json(String image, long roiId, String fields, String reason,
      String mentions) {
    return new Proposal("{\"image_id\": \"" + image + "\", \"roi_id\": " + roiId + ", " + fields + "}",
        image, roiId, reason, mentions);
  }

  private static String writeCsv(String name, List<Proposal> props) throws Exception {
    StringBuilder sb = new StringBuilder(CSV_HEADER + "\n");
    for (Proposal p : props) {
      sb.append(p.line()).append('\n');
    }
    Path csv = dir.resolve(name);
    Files.writeString(csv, sb.toString());
    return csv.toString();
  }

  private static float[] map(long seed) {
    Random r = new Random(seed);
    float[] m = new float[C * H * W];
    for (int i = 0; i < m.length; i++) {
      m[i] = r.nextFloat() * 4 - 1;
    }
    return m;
  }

  private static Row mapRow(String id, float[] data) {
    return RowFactory.create(id, "p3", C, H, W, SCALE, FloatBlobs.encode(data, 0, data.length));
  }

  /** A valid Arrow file with one map per image, one record batch per map. */
  private static byte[] arrowBytes(String... images) throws Exception {
    List<ArrowMapFiles.MapRecord> maps = new ArrayList<>();
    long seed = 100;
    for (String id : images) {
      float[] m = map(seed++);
      GOOD.putIfAbsent(id, m);
      maps.add(new ArrowMapFiles.MapRecord(id, "p3", C, H, W, SCALE, FloatBlobs.encode(m, 0, m.length)));
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (BufferAllocator allocator = new RootAllocator()) {
      ArrowMapFiles.write(bytes, maps, 1, allocator);
    }
    return bytes.toByteArray();
  }

  private static void writeArrow(Path file, String... images) throws Exception {
    Files.write(file, arrowBytes(images));
  }

  /** A hand-written float32 .npy with the given header shape, whatever the data's length. */
  private static void writeNpy(Path root, String image, String shape, float[] data) throws Exception {
    Files.createDirectories(root.resolve(image));
    String header = "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape + ", }";
    int pad = (64 - (10 + header.length() + 1) % 64) % 64;
    header = header + " ".repeat(pad) + "\n";
    ByteBuffer body = ByteBuffer.allocate(data.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (float v : data) {
      body.putFloat(v);
    }
    try (OutputStream os = Files.newOutputStream(root.resolve(image).resolve("p3.npy"))) {
      os.write(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0});
      os.write(header.length() & 0xff);
      os.write(header.length() >> 8);
      os.write(header.getBytes(StandardCharsets.US_ASCII));
      os.write(body.array());
    }
  }
}
