package org.roifeatures.spark;

import org.roifeatures.spark.conf.JobOptions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.roifeatures.ops.RoiAlignParams;
import org.roifeatures.spark.io.FloatBlobs;
import org.roifeatures.spark.sample.SampleGenerator;

/**
 * Every reject reason produced by a crafted input: the bad proposal or image goes to the rejects
 * output with its reason and a detail naming the bad item, and every good proposal — including the
 * good ones of an image that also has bad ones — is still written, with the right vector.
 */
class RejectsTest extends SparkTestBase {

  private static final int C = 4;
  private static final int H = 8;
  private static final int W = 8;
  private static final double SCALE = 0.25;
  private static final RoiAlignParams PARAMS = new RoiAlignParams(3, 3, SCALE, 2, true,
      org.roifeatures.ops.PoolingMode.AVG);

  private static Path dir;
  private static final Map<String, float[]> GOOD_MAPS = new HashMap<>();

  @BeforeAll
  static void craft() throws Exception {
    dir = tempDir("rejects");
  }

  @AfterAll
  static void cleanup() throws Exception {
    deleteTree(dir);
  }

  private static float[] map(long seed) {
    java.util.Random r = new java.util.Random(seed);
    float[] m = new float[C * H * W];
    for (int i = 0; i < m.length; i++) {
      m[i] = r.nextFloat() * 4 - 1;
    }
    return m;
  }

  private static Row mapRow(String id, String level, int c, int h, int w, float[] data) {
    return RowFactory.create(id, level, c, h, w, SCALE, FloatBlobs.encode(data, 0, data.length));
  }

  private static final String HEADER = "image_id,roi_id,x1,y1,x2,y2,score,label";

  /** Proposal CSV lines (after the header) and the reason each line must get (null: written). */
  private record Proposal(String line, String reason, String detailMentions) {}

  private static List<Proposal> proposals(String prefix) {
    List<Proposal> p = new ArrayList<>();
    p.add(new Proposal(prefix + "good,0,0,0,16,16,0.9,1", null, null));
    p.add(new Proposal(prefix + "good,1,4,4,20,28,0.8,2", null, null));
    p.add(new Proposal(prefix + "good,2,abc,0,10,10,0.5,1", "BAD_RECORD", "abc"));
    p.add(new Proposal(prefix + "good,3,0,NaN,10,10,,", "NON_FINITE_BOX", "y1"));
    p.add(new Proposal(prefix + "good,4,0,0,Infinity,10,,", "NON_FINITE_BOX", "x2"));
    p.add(new Proposal(prefix + "good,5,0,0,1e39,10,,", "NON_FINITE_BOX", "x2"));
    p.add(new Proposal(prefix + "good,6,0,0,10,10,high,1", "BAD_RECORD", "high"));
    p.add(new Proposal(prefix + "good,1,1,1,5,5,,", "DUPLICATE_ROI_ID", "roi_id 1"));
    p.add(new Proposal(prefix + "good,,2,2,9,9,,", "BAD_RECORD", "roi_id is null"));
    // A rejected row's id still counts: the good row after it with the same id is the duplicate.
    p.add(new Proposal(prefix + "good,10,0,0,NaN,10,,", "NON_FINITE_BOX", "x2"));
    p.add(new Proposal(prefix + "good,10,0,0,10,10,,", "DUPLICATE_ROI_ID", "roi_id 10"));
    p.add(new Proposal(prefix + "good,7,-40,-40,100,100,,", null, null)); // outside the map: fine
    p.add(new Proposal(prefix + "good,8,30,30,2,2,,", null, null));       // inverted: fine, defined
    p.add(new Proposal(",9,0,0,4,4,,", "MISSING_IMAGE_ID", "image_id"));
    p.add(new Proposal(prefix + "good2,0,2,3,30,31,0.1,0", null, null));
    p.add(new Proposal(prefix + "nomap,0,0,0,8,8,,", "NO_FEATURE_MAP", prefix + "nomap"));
    p.add(new Proposal(prefix + "nomap,1,0,0,8,8,,", "NO_FEATURE_MAP", prefix + "nomap"));
    return p;
  }

  @Test
  void parquetMapsEveryImageLevelReason() throws Exception {
    List<Row> maps = new ArrayList<>();
    GOOD_MAPS.put("good", map(1));
    GOOD_MAPS.put("good2", map(2));
    maps.add(mapRow("good", "p3", C, H, W, GOOD_MAPS.get("good")));
    maps.add(mapRow("good2", "p3", C, H, W, GOOD_MAPS.get("good2")));
    maps.add(mapRow("good2", "p4", C, H / 2, W / 2, Arrays.copyOf(map(9), C * H * W / 4)));
    float[] shortData = Arrays.copyOf(map(3), C * H * W - 5);
    maps.add(mapRow("short", "p3", C, H, W, shortData));
    maps.add(mapRow("dup", "p3", C, H, W, map(4)));
    maps.add(mapRow("dup", "p3", C, H, W, map(5)));
    maps.add(mapRow("chan", "p3", C - 1, H, W, Arrays.copyOf(map(6), (C - 1) * H * W)));
    maps.add(mapRow("zero", "p3", C, 0, W, new float[0]));
    maps.add(mapRow("negative", "p3", C, H, -W, map(7)));
    maps.add(mapRow("p4only", "p4", C, H, W, map(8)));
    String mapsPath = dir.resolve("maps_parquet").toString();
    spark.createDataFrame(maps, SampleGenerator.MAP_SCHEMA).coalesce(1).write().parquet(mapsPath);

    List<Proposal> props = proposals("");
    for (String[] img : new String[][] {{"short", "MAP_LENGTH_MISMATCH", "data bytes"},
        {"dup", "DUPLICATE_FEATURE_MAP", "2 maps"}, {"chan", "CHANNEL_MISMATCH", "3 channels"},
        {"zero", "BAD_MAP_SHAPE", "H=0"}, {"negative", "BAD_MAP_SHAPE", "W=-8"},
        {"p4only", "MISSING_LEVEL", "'p3'"}}) {
      props.add(new Proposal(img[0] + ",0,0,0,8,8,,", img[1], img[2]));
      props.add(new Proposal(img[0] + ",1,1,1,9,9,,", img[1], img[2]));
    }
    Path csv = writeCsv("proposals.csv", props);
    runAndCheck(mapsPath, csv.toString(), props, "parquet");
  }

  @Test
  void npyMapsUnreadableFilesAreRejectsNotCrashes() throws Exception {
    Path root = dir.resolve("maps_npy");
    Files.createDirectories(root);
    Files.writeString(root.resolve("_scales.properties"), "p3=" + SCALE + "\n");
    GOOD_MAPS.put("n_good", map(11));
    GOOD_MAPS.put("n_good2", map(12));
    writeNpy(root, "n_good", GOOD_MAPS.get("n_good"), "<f4", false, 0);
    writeNpy(root, "n_good2", GOOD_MAPS.get("n_good2"), "<f4", false, 0);
    writeNpy(root, "n_truncated", map(13), "<f4", false, 37);   // data cut short
    writeNpy(root, "n_float64", map(14), "<f8", false, 0);      // wrong dtype
    writeNpy(root, "n_fortran", map(15), "<f4", true, 0);       // Fortran order
    Files.createDirectories(root.resolve("n_garbage"));
    Files.write(root.resolve("n_garbage").resolve("p3.npy"), "not numpy".getBytes(StandardCharsets.UTF_8));

    List<Proposal> props = proposals("n_");
    for (String[] img : new String[][] {{"n_truncated", "MAP_UNREADABLE", "n_truncated"},
        {"n_float64", "MAP_UNREADABLE", "<f8"}, {"n_fortran", "MAP_UNREADABLE", "ortran"},
        {"n_garbage", "MAP_UNREADABLE", "magic"}}) {
      props.add(new Proposal(img[0] + ",0,0,0,8,8,,", img[1], img[2]));
      props.add(new Proposal(img[0] + ",1,1,1,9,9,,", img[1], img[2]));
    }
    Path csv = writeCsv("proposals_npy.csv", props);
    runAndCheck(root.toString(), csv.toString(), props, "npy");
  }

  /** Parquet maps holding one good p3 map, of image "good"; returns their path. */
  private static String oneGoodMap(String name) {
    List<Row> maps = List.of(mapRow("good", "p3", C, H, W, map(1)));
    String mapsPath = dir.resolve(name).toString();
    spark.createDataFrame(maps, SampleGenerator.MAP_SCHEMA).coalesce(1).write().parquet(mapsPath);
    return mapsPath;
  }

  @Test
  void failOnRejectsFailsAfterWritingEverything() throws Exception {
    String mapsPath = oneGoodMap("maps_fail");
    Path csv = writeCsv("proposals_fail.csv", List.of(
        new Proposal("good,0,0,0,16,16,,", null, null),
        new Proposal("ghost,0,0,0,16,16,,", "NO_FEATURE_MAP", "ghost")));
    String out = dir.resolve("out_fail").toString();
    RoiFeaturesJob.RejectsFoundException e = org.junit.jupiter.api.Assertions.assertThrows(
        RoiFeaturesJob.RejectsFoundException.class, () -> runJob(JobOptions.MAPS_PATH, mapsPath,
            JobOptions.PROPOSALS_PATH, csv.toString(), JobOptions.OUTPUT_PATH, out,
            JobOptions.FAIL_ON_REJECTS, "true"));
    assertTrue(e.getMessage().contains("1 proposals were rejected"), e.getMessage());
    assertEquals(1, spark.read().parquet(out).count());
    assertEquals(1, spark.read().parquet(out + "_rejects").count());
  }

  @Test
  void aRunWithoutRejectsWritesAnEmptyRejectsOutputWithItsSchema() throws Exception {
    String mapsPath = oneGoodMap("maps_clean");
    Path csv = writeCsv("proposals_clean.csv", List.of(
        new Proposal("good,0,0,0,16,16,,", null, null),
        new Proposal("good,1,2,2,30,20,,", null, null)));
    String out = dir.resolve("out_clean").toString();
    JobSummary s = runJob(JobOptions.MAPS_PATH, mapsPath, JobOptions.PROPOSALS_PATH, csv.toString(),
        JobOptions.OUTPUT_PATH, out);
    assertEquals(2, s.proposals());
    assertEquals(2, s.roisWritten());
    assertEquals(0, s.rejected());
    assertEquals(2, spark.read().parquet(out).count());
    org.apache.spark.sql.Dataset<Row> rejects = spark.read().parquet(out + "_rejects");
    assertEquals(0, rejects.count());
    assertEquals(Arrays.asList(org.roifeatures.spark.task.OutputRows.REJECT_SCHEMA.fieldNames()),
        Arrays.asList(rejects.schema().fieldNames()));
    assertTrue(Files.exists(Path.of(out + "_rejects", "_SUCCESS")), "rejects output committed");
  }

  /**
   * Runs the job twice, with the map index collected to the driver (the default for small indexes)
   * and aggregated by Spark (collect limit 0), and checks both runs the same way.
   */
  private void runAndCheck(String mapsPath, String proposalsPath, List<Proposal> props, String tag) {
    runAndCheck(mapsPath, proposalsPath, props, tag, JobOptions.byKey()
        .get(JobOptions.INDEX_COLLECT_LIMIT).defaultValue());
    runAndCheck(mapsPath, proposalsPath, props, tag + "_spark_index", "0");
  }

  private void runAndCheck(String mapsPath, String proposalsPath, List<Proposal> props, String tag,
      String collectLimit) {
    String out = dir.resolve("out_" + tag).toString();
    JobSummary s = runJob(JobOptions.MAPS_PATH, mapsPath, JobOptions.PROPOSALS_PATH, proposalsPath,
        JobOptions.OP, "roi_align", JobOptions.LEVEL, "p3", JobOptions.POOLED_HEIGHT, "3",
        JobOptions.POOLED_WIDTH, "3", JobOptions.SAMPLING_RATIO, "2", JobOptions.ALIGNED, "true",
        JobOptions.INDEX_COLLECT_LIMIT, collectLimit, JobOptions.OUTPUT_PATH, out);

    Map<String, Long> wantByReason = new TreeMap<>();
    long wantWritten = 0;
    for (Proposal p : props) {
      if (p.reason() == null) {
        wantWritten++;
      } else {
        wantByReason.merge(p.reason(), 1L, Long::sum);
      }
    }
    assertEquals(props.size(), s.proposals());
    assertEquals(wantByReason, s.rejectsByReason(), "reject counts by reason");
    assertEquals(wantWritten, s.roisWritten());

    // Each rejected line is in the rejects output with its reason and a detail naming the bad item.
    List<Row> rejects = spark.read().parquet(out + "_rejects").collectAsList();
    assertEquals(props.size() - wantWritten, rejects.size());
    for (Proposal p : props) {
      if (p.reason() == null) {
        continue;
      }
      String[] f = p.line().split(",", -1);
      Row match = rejects.stream().filter(r -> matches(r, f, p.reason())).findFirst().orElse(null);
      assertTrue(match != null, "no " + p.reason() + " reject for line '" + p.line() + "' in "
          + rejects);
      String detail = match.getAs("detail");
      assertTrue(detail != null && detail.contains(p.detailMentions()), "detail of '" + p.line()
          + "' should mention '" + p.detailMentions() + "': " + detail);
    }

    // Every good line is written once, with the vector core-ops computes for it.
    List<Row> rows = spark.read().parquet(out).collectAsList();
    assertEquals(wantWritten, rows.size());
    EndToEndTest.assertRowsEqualRoiAlign(rows, InputRecords.csvLines(HEADER, props.stream()
        .filter(p -> p.reason() == null).map(Proposal::line).toList()), GOOD_MAPS, C, H, W, PARAMS);
  }

  private static boolean matches(Row r, String[] line, String reason) {
    String id = line[0].isEmpty() ? null : line[0];
    Object rid = r.getAs("roi_id");
    boolean sameId = id == null ? r.getAs("image_id") == null || "".equals(r.getAs("image_id"))
        : id.equals(r.getAs("image_id"));
    return sameId && reason.equals(r.getAs("reason"))
        && (rid == null || rid.toString().equals(line[1]));
  }

  private static Path writeCsv(String name, List<Proposal> props) throws Exception {
    StringBuilder sb = new StringBuilder(HEADER + "\n");
    for (Proposal p : props) {
      sb.append(p.line()).append('\n');
    }
    Path csv = dir.resolve(name);
    Files.writeString(csv, sb.toString());
    return csv;
  }

  /** A hand-written .npy (not via NpyArrays, so the reader is tested against an independent writer). */
  private static void writeNpy(Path root, String image, float[] data, String descr, boolean fortran,
      int cutBytes) throws Exception {
    Files.createDirectories(root.resolve(image));
    String header = "{'descr': '" + descr + "', 'fortran_order': " + (fortran ? "True" : "False")
        + ", 'shape': (" + C + ", " + H + ", " + W + "), }";
    int total = 10 + header.length() + 1;
    int pad = (64 - total % 64) % 64;
    header = header + " ".repeat(pad) + "\n";
    int itemSize = descr.endsWith("8") ? 8 : 4;
    ByteBuffer body = ByteBuffer.allocate(data.length * itemSize).order(ByteOrder.LITTLE_ENDIAN);
    for (float v : data) {
      if (itemSize == 8) {
        body.putDouble(v);
      } else {
        body.putFloat(v);
      }
    }
    byte[] bytes = Arrays.copyOf(body.array(), body.capacity() - cutBytes);
    try (OutputStream os = Files.newOutputStream(root.resolve(image).resolve("p3.npy"))) {
      os.write(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0});
      os.write(header.length() & 0xff);
      os.write(header.length() >> 8);
      os.write(header.getBytes(StandardCharsets.US_ASCII));
      os.write(bytes);
    }
  }
}
