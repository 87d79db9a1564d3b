package org.roifeatures.spark.it;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.functions;
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
 * The job streams, in a separate driver+executor JVM ({@code local[2]}) with a small heap whose size
 * the test reads back from that JVM: a data set whose feature maps add up to several times the heap,
 * and one image with more proposals than the heap could hold as rows. Nothing may collect a
 * partition, hold more than one image's maps per task, or hold an image's proposals all at once.
 */
class SmallHeapIT extends SparkTestBase {

  private static final int IMAGES = 240;
  private static final int C = 256;
  private static final int H = 96;
  private static final int W = 128;
  private static final String MANY_MAPS_HEAP = "1g";
  private static final int ROIS_PER_IMAGE = 4;

  /**
   * The heap of the one-image run: too small to hold the image's proposals as rows at once, with room
   * to spare for a job that streams them (Spark itself refuses heaps much smaller).
   * {@code -Dsmallheap.proposals.heap=2g} (passed on by failsafe) tries another, e.g. to find the
   * smallest heap a version of the job needs.
   */
  private static final String PROPOSALS_HEAP =
      System.getProperty("smallheap.proposals.heap", "768m");
  /** Distinct proposals of the one image; more rows than that are its duplicates. */
  private static final int PROPOSALS = 1_000_000;
  /** Rows that repeat an earlier roi_id of the image with another box (rejected, the first kept). */
  private static final int DUPLICATES = 8;
  /** roi_id of proposal i: i times an odd constant, unique, and not the row's position. */
  private static final long ID_STEP = 2_654_435_761L;
  private static final int SMALL_C = 4;
  private static final int SMALL_H = 32;
  private static final int SMALL_W = 40;

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
  static float[] map(int image, int length) {
    float[] m = new float[length];
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
    // (image_id, roi_id) → input box; roi_ids are positions within the image (no roi_id column).
    Map<String, float[]> inputBoxes = new HashMap<>();
    Random rnd = new Random(3);
    for (int i = 0; i < IMAGES; i++) {
      String id = String.format("big_%04d", i);
      float[] m = map(i, C * H * W);
      batch.add(RowFactory.create(id, "p3", C, H, W, 0.125, FloatBlobs.encode(m, 0, m.length)));
      for (int k = 0; k < ROIS_PER_IMAGE; k++) {
        double x1 = rnd.nextInt(900);
        double y1 = rnd.nextInt(700);
        double x2 = x1 + 16 + rnd.nextInt(100);
        double y2 = y1 + 16 + rnd.nextInt(60);
        proposals.add(RowFactory.create(id, x1, y1, x2, y2, 1.0, k));
        inputBoxes.put(id + "/" + k, new float[] {(float) x1, (float) y1, (float) x2, (float) y2});
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

    Path out = dir.resolve("features");
    long heap = runChild("small-heap-run", MANY_MAPS_HEAP, List.of("run", "--maps.path", mapsPath,
        "--proposals.path", proposalsPath, "--op", "roi_align", "--sampling.ratio", "2",
        "--aligned", "true", "--output.path", out.toString()));
    long mapBytes = treeBytes(Path.of(mapsPath));
    assertTrue(mapBytes >= 2.5 * heap, "the maps on disk (" + mapBytes + " bytes) must be several "
        + "times the job's heap (" + heap + " bytes)");

    List<Row> rows = spark.read().parquet(out.toString()).collectAsList();
    Set<String> keys = new HashSet<>();
    for (Row r : rows) {
      assertTrue(keys.add(r.<String>getAs("image_id") + "/" + r.<Long>getAs("roi_id")),
          "written twice: " + r.getAs("image_id") + "/" + r.getAs("roi_id"));
    }
    assertEquals(inputBoxes.keySet(), keys, "every input proposal exactly once");
    RoiAlignParams params = RoiAlignParams.of(7, 7, 0.125, 2, true);
    // Every vector against core-ops on the regenerated map and the box the input gave.
    rows = new ArrayList<>(rows);
    rows.sort((a, b) -> a.<String>getAs("image_id").compareTo(b.getAs("image_id")));
    int mapOf = -1;
    FeatureMap m = null;
    for (Row r : rows) {
      String id = r.getAs("image_id");
      int image = Integer.parseInt(id.substring(4));
      if (image != mapOf) {
        m = FeatureMap.chw(map(image, C * H * W), C, H, W);
        mapOf = image;
      }
      float[] box = inputBoxes.get(id + "/" + r.<Long>getAs("roi_id"));
      assertArrayEquals(RoiAlign.forward(m, box, params), FatJarSubmitIT.floats(r.getAs("features")),
          id + "/" + r.getAs("roi_id"));
    }
  }

  /** Proposal i of the one-image data set: integer pixels inside the 320×256 image. */
  private static int[] box(long i) {
    int x1 = (int) (i * 37 % 280);
    int y1 = (int) (i * 53 % 220);
    return new int[] {x1, y1, x1 + 8 + (int) (i % 31), y1 + 8 + (int) (i % 29)};
  }

  /** Base row after which duplicate {@code j} is written; it repeats the id of row {@code at / 2}. */
  private static long duplicateAfter(int j) {
    return (j + 1L) * (PROPOSALS / (DUPLICATES + 1)) + 17;
  }

  /** The duplicate's box: the first's moved, so keeping the wrong row would change the vector. */
  private static int[] duplicateBox(long first) {
    int[] b = box(first);
    return new int[] {b[0] + 5, b[1] + 3, b[2] + 5, b[3] + 3};
  }

  @Test
  void oneImageWithAMillionProposalsUnderASmallHeap() throws Exception {
    // One tiny map: what has to stay bounded is the image's proposals, not its maps.
    float[] m = map(7, SMALL_C * SMALL_H * SMALL_W);
    String mapsPath = dir.resolve("one_map").toString();
    spark.createDataFrame(List.of(RowFactory.create("one", "p3", SMALL_C, SMALL_H, SMALL_W, 0.125,
        FloatBlobs.encode(m, 0, m.length))), SampleGenerator.MAP_SCHEMA).coalesce(1).write()
        .parquet(mapsPath);
    Path proposalsDir = Files.createDirectories(dir.resolve("many_proposals"));
    try (BufferedWriter w = Files.newBufferedWriter(proposalsDir.resolve("part-0.csv"),
        StandardCharsets.US_ASCII)) {
      w.write("image_id,roi_id,x1,y1,x2,y2\n");
      StringBuilder line = new StringBuilder(64);
      int j = 0;
      for (long i = 0; i < PROPOSALS; i++) {
        writeProposal(w, line, i * ID_STEP, box(i));
        if (j < DUPLICATES && i == duplicateAfter(j)) {
          writeProposal(w, line, i / 2 * ID_STEP, duplicateBox(i / 2));
          j++;
        }
      }
    }

    Path out = dir.resolve("one_image_features");
    runChild("one-image-run", PROPOSALS_HEAP, List.of("run", "--maps.path", mapsPath,
        "--proposals.path", proposalsDir.toString(), "--op", "roi_align", "--pooled.height", "2",
        "--pooled.width", "2", "--sampling.ratio", "2", "--aligned", "true",
        "--output.path", out.toString()));

    // The input's keys are exactly ("one", i * ID_STEP) for i < PROPOSALS, by construction. The
    // output has that set of keys iff it has PROPOSALS rows, all distinct, none outside the set.
    Dataset<Row> features = spark.read().parquet(out.toString());
    Column outside = col("image_id").notEqual("one").or(col("roi_id").lt(0))
        .or(col("roi_id").geq(PROPOSALS * ID_STEP)).or(col("roi_id").mod(ID_STEP).notEqual(0));
    Row counts = features.agg(functions.count(functions.lit(1)),
        functions.countDistinct(col("image_id"), col("roi_id")),
        functions.sum(functions.when(outside, 1).otherwise(0))).first();
    assertEquals(PROPOSALS, counts.getLong(0), "one row per distinct input proposal");
    assertEquals(PROPOSALS, counts.getLong(1), "no (image_id, roi_id) twice");
    assertEquals(0L, counts.getLong(2), "no key the input does not have");

    List<Row> rejects = spark.read().parquet(out + "_rejects").collectAsList();
    assertEquals(DUPLICATES, rejects.size(), rejects.toString());
    for (Row r : rejects) {
      assertEquals("DUPLICATE_ROI_ID", r.getAs("reason"), r.toString());
      long first = r.<Long>getAs("roi_id") / ID_STEP;
      assertEquals("one", r.getAs("image_id"), r.toString());
      assertEquals((double) duplicateBox(first)[0], r.<Double>getAs("x1"),
          "the later row is rejected: " + r);
    }

    // Vectors of a sample of ids, and of every duplicated id (the first row's box must win),
    // against core-ops on the input boxes.
    Set<Long> sample = new HashSet<>();
    for (long i = 0; i < PROPOSALS; i += 99_991) {
      sample.add(i * ID_STEP);
    }
    for (int j = 0; j < DUPLICATES; j++) {
      sample.add(duplicateAfter(j) / 2 * ID_STEP);
    }
    List<Row> checked = features.filter(col("roi_id").isin(sample.toArray())).collectAsList();
    assertEquals(sample.size(), checked.size());
    FeatureMap fm = FeatureMap.chw(m, SMALL_C, SMALL_H, SMALL_W);
    RoiAlignParams params = RoiAlignParams.of(2, 2, 0.125, 2, true);
    for (Row r : checked) {
      long i = r.<Long>getAs("roi_id") / ID_STEP;
      int[] b = box(i);
      float[] want = RoiAlign.forward(fm, new float[] {b[0], b[1], b[2], b[3]}, params);
      assertArrayEquals(want, FatJarSubmitIT.floats(r.getAs("features")), "roi " + i);
    }
  }

  private static void writeProposal(BufferedWriter w, StringBuilder line, long roiId, int[] b)
      throws IOException {
    line.setLength(0);
    line.append("one,").append(roiId).append(',').append(b[0]).append(',').append(b[1])
        .append(',').append(b[2]).append(',').append(b[3]).append('\n');
    w.append(line);
  }

  private static final Pattern MAX_HEAP = Pattern.compile("-XX:MaxHeapSize=(\\d+)");

  /**
   * Runs the job in a child JVM with heap {@code heap} (an -Xmx value), asserts it succeeded and
   * that the heap it ran with is the one asked for, and returns that heap in bytes.
   */
  private static long runChild(String name, String heap, List<String> appArgs) throws Exception {
    Path log = SparkSubmitLauncher.logFile(name);
    // The JVM prints the flags it resolved, so the heap is checked in the child, not assumed.
    SparkSubmitLauncher.Result run = SparkSubmitLauncher.submit(
        List.of("-Xmx" + heap, "-XX:+PrintCommandLineFlags"),
        SparkSubmitLauncher.list("--master", "local[2]", "--conf", "spark.ui.enabled=false",
            "--conf", "spark.serializer=org.apache.spark.serializer.KryoSerializer",
            "--conf", "spark.kryo.registrator=org.roifeatures.spark.RoiFeaturesKryoRegistrator",
            "--conf", "spark.kryo.registrationRequired=true", "--driver-memory", heap),
        appArgs, log, 1200);
    assertEquals(0, run.exitCode(), SparkSubmitLauncher.tail(log));
    assertTrue(run.output().contains("RoIs written"), run.output());
    Matcher mh = MAX_HEAP.matcher(run.output());
    assertTrue(mh.find(), "the child JVM did not print its flags:\n" + SparkSubmitLauncher.tail(log));
    long bytes = Long.parseLong(mh.group(1));
    assertEquals(bytes(heap), bytes, "the child JVM's max heap");
    return bytes;
  }

  /** An -Xmx value ("1g", "768m") in bytes. */
  private static long bytes(String heap) {
    long n = Long.parseLong(heap.substring(0, heap.length() - 1));
    char unit = Character.toLowerCase(heap.charAt(heap.length() - 1));
    return switch (unit) {
      case 'g' -> n << 30;
      case 'm' -> n << 20;
      default -> throw new IllegalArgumentException("heap must end in g or m: " + heap);
    };
  }

  private static long treeBytes(Path root) throws IOException {
    try (Stream<Path> files = Files.walk(root)) {
      long total = 0;
      for (Path p : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
        total += Files.size(p);
      }
      return total;
    }
  }
}
