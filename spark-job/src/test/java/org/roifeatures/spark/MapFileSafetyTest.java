package org.roifeatures.spark;

import org.roifeatures.spark.conf.JobOptions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.format.PageHeader;
import org.apache.parquet.format.Util;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.parquet.internal.column.columnindex.OffsetIndex;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.roifeatures.ops.PoolingMode;
import org.roifeatures.ops.RoiAlignParams;
import org.roifeatures.spark.io.ArrowMapFiles;
import org.roifeatures.spark.io.FloatBlobs;
import org.roifeatures.spark.io.NpyArrays;
import org.roifeatures.spark.sample.SampleGenerator;

/**
 * Map files that lie about their size or were damaged on disk: a .npy header claiming gigabytes in a
 * 4 KB file, maps larger than {@code maps.max.bytes}, a flipped bit in a Parquet data page that
 * carries a CRC, and an empty Parquet file. Each must become MAP_UNREADABLE rejects naming the file
 * (never a dead job, never a silently wrong vector), while every good image is still written with
 * core-ops' vector. Expected rejects are derived from what each test writes.
 */
class MapFileSafetyTest extends SparkTestBase {

  private static final int C = 16;
  private static final int H = 8;
  private static final int W = 8;
  private static final double SCALE = 0.25;
  private static final RoiAlignParams PARAMS = new RoiAlignParams(3, 3, SCALE, 2, true,
      PoolingMode.AVG);

  private static Path dir;

  /** One image's proposals: their expected reason (null: written) and a text the detail must hold. */
  private record Image(String id, String reason, String mentions) {}

  @BeforeAll
  static void setUp() throws Exception {
    dir = tempDir("mapsafety");
  }

  @AfterAll
  static void cleanup() throws Exception {
    deleteTree(dir);
  }

  @Test
  void aNpyHeaderClaimingGigabytesInASmallFileIsRejectedBeforeAllocating() throws Exception {
    Path root = dir.resolve("npy_hostile");
    Map<String, float[]> good = new HashMap<>();
    for (String id : List.of("good1", "good2", "good3")) {
      good.put(id, map(id.hashCode(), C * H * W));
      writeNpy(root, id, new long[] {C, H, W}, good.get(id));
    }
    // 16 x 10000 x 12000 float32 is 7.68 GB, in a 4 KB file: the file's length alone refutes it.
    Path hostile = root.resolve("hostile").resolve("p3.npy");
    Files.createDirectories(hostile.getParent());
    byte[] header = npyHeader("(16, 10000, 12000)");
    byte[] file = new byte[4096];
    new Random(7).nextBytes(file);
    System.arraycopy(header, 0, file, 0, header.length);
    Files.write(hostile, file);

    List<Image> images = List.of(new Image("good1", null, null), new Image("good2", null, null),
        new Image("hostile", "MAP_UNREADABLE", "hostile/p3.npy"), new Image("good3", null, null));
    runAndCheck(root.toString(), images, good, "npy_hostile");
  }

  @Test
  void aMapLargerThanMapsMaxBytesIsRejectedNamingTheLimitInEveryFormat() throws Exception {
    // The good maps hold 16*8*8*4 = 4096 bytes, the big one 16*16*16*4 = 16384: limit 8k.
    Map<String, float[]> good = new HashMap<>();
    good.put("small1", map(1, C * H * W));
    good.put("small2", map(2, C * H * W));
    float[] big = map(3, C * 16 * 16);
    List<Image> images = List.of(new Image("small1", null, null),
        new Image("big", "MAP_UNREADABLE", "maps.max.bytes"), new Image("small2", null, null));

    Path npy = dir.resolve("limit_npy");
    writeNpy(npy, "small1", new long[] {C, H, W}, good.get("small1"));
    writeNpy(npy, "small2", new long[] {C, H, W}, good.get("small2"));
    writeNpy(npy, "big", new long[] {C, 16, 16}, big);
    Map<String, Row> rejects = runAndCheck(npy.toString(), images, good, "limit_npy",
        JobOptions.MAPS_MAX_BYTES, "8k");
    assertTrue(rejects.get("big/0").<String>getAs("detail").contains("big/p3.npy"));

    List<Row> rows = List.of(mapRow("small1", good.get("small1"), H, W), mapRow("big", big, 16, 16),
        mapRow("small2", good.get("small2"), H, W));
    String parquet = dir.resolve("limit_parquet").toString();
    spark.createDataFrame(rows, SampleGenerator.MAP_SCHEMA).coalesce(1).write().parquet(parquet);
    runAndCheck(parquet, images, good, "limit_parquet", JobOptions.MAPS_MAX_BYTES, "8k");

    Path arrow = dir.resolve("limit_arrow");
    Files.createDirectories(arrow);
    List<ArrowMapFiles.MapRecord> records = new ArrayList<>();
    for (Row r : rows) {
      records.add(new ArrowMapFiles.MapRecord(r.getString(0), "p3", r.getInt(2), r.getInt(3),
          r.getInt(4), SCALE, (byte[]) r.get(6)));
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (BufferAllocator allocator = new RootAllocator()) {
      ArrowMapFiles.write(bytes, records, 2, allocator);
    }
    Files.write(arrow.resolve("maps.arrow"), bytes.toByteArray());
    runAndCheck(arrow.toString(), images, good, "limit_arrow", JobOptions.MAPS_MAX_BYTES, "8k");
  }

  @Test
  void aFlippedBitInAParquetDataPageIsCaughtByItsCrc() throws Exception {
    Map<String, float[]> good = new HashMap<>();
    List<Row> rows = new ArrayList<>();
    List<String> ids = List.of("crc1", "crc2", "flipped", "crc3");
    for (String id : ids) {
      float[] m = map(id.hashCode(), C * H * W);
      if (!id.equals("flipped")) {
        good.put(id, m);
      }
      rows.add(mapRow(id, m, H, W));
    }
    // One map per page, without dictionary: the flipped page holds exactly one image's map.
    String mapsPath = dir.resolve("crc_parquet").toString();
    spark.createDataFrame(rows, SampleGenerator.MAP_SCHEMA).coalesce(1).write()
        .option("parquet.enable.dictionary", "false").option("parquet.page.row.count.limit", "1")
        .option("parquet.page.size.row.check.min", "1").option("parquet.page.size.row.check.max", "1")
        .parquet(mapsPath);
    Path file = onlyParquetFile(mapsPath);
    long row = spark.read().parquet(file.toString()).select("image_id", "_metadata.row_index")
        .collectAsList().stream().filter(r -> r.getString(0).equals("flipped"))
        .mapToLong(r -> r.getLong(1)).findFirst().orElseThrow();
    long offset = flipBitInDataPagePayload(file, "data", row);
    // The local file system keeps its own checksum beside each file and would catch the flip before
    // Parquet does; object stores keep none, so the page CRC is all there is.
    Files.deleteIfExists(file.resolveSibling("." + file.getFileName() + ".crc"));

    List<Image> images = List.of(new Image("crc1", null, null), new Image("crc2", null, null),
        new Image("flipped", "MAP_UNREADABLE", file.getFileName().toString()),
        new Image("crc3", null, null));
    Map<String, Row> rejects = runAndCheck(mapsPath, images, good, "crc");
    String detail = rejects.get("flipped/0").getAs("detail");
    assertTrue(detail.contains("CRC") && detail.contains("offset " + offset), detail);
  }

  /**
   * The index reads a maps file's small columns through Spark: a flipped bit in a spatial_scale page
   * would pool that image at a wrong scale. Spark verifies the CRC too, so the index phase fails,
   * naming the file, before any output exists (as for any Parquet maps file Spark cannot read).
   */
  @Test
  void aFlippedBitInAnIndexColumnFailsTheJobNamingTheFile() throws Exception {
    List<Row> rows = new ArrayList<>();
    for (String id : List.of("ix1", "ix2", "ix3")) {
      rows.add(mapRow(id, map(id.hashCode(), C * H * W), H, W));
    }
    String mapsPath = dir.resolve("crc_index").toString();
    spark.createDataFrame(rows, SampleGenerator.MAP_SCHEMA).coalesce(1).write()
        .option("parquet.enable.dictionary", "false").option("parquet.page.row.count.limit", "1")
        .option("parquet.page.size.row.check.min", "1").option("parquet.page.size.row.check.max", "1")
        .parquet(mapsPath);
    Path file = onlyParquetFile(mapsPath);
    flipBitInDataPagePayload(file, "spatial_scale", 1);
    Files.deleteIfExists(file.resolveSibling("." + file.getFileName() + ".crc"));
    Path csv = dir.resolve("crc_index.csv");
    Files.writeString(csv, "image_id,x1,y1,x2,y2\nix1,0,0,16,16\nix2,0,0,16,16\nix3,0,0,16,16\n");
    String out = dir.resolve("out_crc_index").toString();

    IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(
        IllegalArgumentException.class, () -> runJob(JobOptions.MAPS_PATH, mapsPath,
            JobOptions.PROPOSALS_PATH, csv.toString(), JobOptions.LEVEL, "p3",
            JobOptions.OUTPUT_PATH, out));
    assertTrue(e.getMessage().startsWith("cannot read feature maps: ")
        && e.getMessage().contains(file.getFileName().toString())
        && e.getMessage().contains("CRC"), e.getMessage());
    assertTrue(!Files.exists(Path.of(out)), "no output after a failed index");
  }

  @Test
  void anEmptyParquetMapsFileIsUnreadableNamingIt() throws Exception {
    Map<String, float[]> good = new HashMap<>();
    good.put("e_good1", map(11, C * H * W));
    good.put("e_good2", map(12, C * H * W));
    String mapsPath = dir.resolve("empty_parquet").toString();
    spark.createDataFrame(List.of(mapRow("e_good1", good.get("e_good1"), H, W),
        mapRow("e_good2", good.get("e_good2"), H, W)), SampleGenerator.MAP_SCHEMA).coalesce(1)
        .write().parquet(mapsPath);
    // One before Spark's part file in name order (the schema is read from the first file), one after.
    Files.write(Path.of(mapsPath, "0-empty.parquet"), new byte[0]);
    Files.write(Path.of(mapsPath, "zz-empty.parquet"), new byte[0]);

    // The image whose map was in one of the empty files cannot be told from one with no map at all:
    // its reject names the files the job could not read.
    List<Image> images = List.of(new Image("e_good1", null, null),
        new Image("e_lost", "MAP_UNREADABLE", "0-empty.parquet"), new Image("e_good2", null, null));
    Map<String, Row> rejects = runAndCheck(mapsPath, images, good, "empty");
    assertTrue(rejects.get("e_lost/1").<String>getAs("detail").contains("zz-empty.parquet"));
  }

  /**
   * Flips one bit in the middle of the payload (the bytes after the page header) of the data page
   * holding {@code row} of {@code column}; returns the page's offset in the file.
   */
  private static long flipBitInDataPagePayload(Path file, String column, long row)
      throws Exception {
    long pageOffset;
    long payloadStart;
    int payloadLength;
    try (ParquetFileReader r = ParquetFileReader.open(HadoopInputFile.fromPath(
        new org.apache.hadoop.fs.Path(file.toString()), new Configuration()))) {
      long first = 0;
      BlockMetaData block = null;
      for (BlockMetaData b : r.getRowGroups()) {
        if (row < first + b.getRowCount()) {
          block = b;
          break;
        }
        first += b.getRowCount();
      }
      ColumnChunkMetaData data = block.getColumns().stream()
          .filter(c -> c.getPath().toDotString().equals(column)).findFirst().orElseThrow();
      OffsetIndex pages = r.readOffsetIndex(data);
      int page = 0;
      while (page + 1 < pages.getPageCount() && pages.getFirstRowIndex(page + 1) <= row - first) {
        page++;
      }
      pageOffset = pages.getOffset(page);
      try (InputStream in = Files.newInputStream(file)) {
        in.skipNBytes(pageOffset);
        byte[] rest = in.readNBytes(pages.getCompressedPageSize(page));
        java.io.ByteArrayInputStream headerBytes = new java.io.ByteArrayInputStream(rest);
        PageHeader header = Util.readPageHeader(headerBytes);
        assertTrue(header.isSetCrc(), "the writer stores page CRCs by default");
        payloadLength = header.getCompressed_page_size();
        payloadStart = pageOffset + rest.length - headerBytes.available();
      }
    }
    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
      long at = payloadStart + payloadLength / 2;
      f.seek(at);
      int b = f.read();
      f.seek(at);
      f.write(b ^ 0x10);
    }
    return pageOffset;
  }

  /**
   * Runs roi_align over two proposals per image, checks every proposal's fate against {@code
   * images}, every written vector against core-ops on {@code good}, returns rejects by "image/roi".
   */
  private Map<String, Row> runAndCheck(String mapsPath, List<Image> images,
      Map<String, float[]> good, String tag, String... extra) throws Exception {
    StringBuilder csv = new StringBuilder("image_id,roi_id,x1,y1,x2,y2\n");
    for (Image i : images) {
      csv.append(i.id()).append(",0,0,0,16,16\n").append(i.id()).append(",1,2,3,30,31\n");
    }
    Path proposals = dir.resolve(tag + ".csv");
    Files.writeString(proposals, csv.toString());
    Files.writeString(Path.of(mapsPath).resolve("_scales.properties"), "p3=" + SCALE + "\n");
    String out = dir.resolve("out_" + tag).toString();
    List<String> kv = new ArrayList<>(List.of(JobOptions.MAPS_PATH, mapsPath,
        JobOptions.PROPOSALS_PATH, proposals.toString(), JobOptions.OP, "roi_align",
        JobOptions.LEVEL, "p3", JobOptions.POOLED_HEIGHT, "3", JobOptions.POOLED_WIDTH, "3",
        JobOptions.SAMPLING_RATIO, "2", JobOptions.ALIGNED, "true", JobOptions.OUTPUT_PATH, out));
    kv.addAll(List.of(extra));
    JobSummary s = runJob(kv.toArray(new String[0]));

    Map<String, Long> wantByReason = new TreeMap<>();
    images.stream().filter(i -> i.reason() != null)
        .forEach(i -> wantByReason.merge(i.reason(), 2L, Long::sum));
    long wantWritten = 2L * images.stream().filter(i -> i.reason() == null).count();
    assertEquals(2L * images.size(), s.proposals());
    assertEquals(wantByReason, s.rejectsByReason(), "reject counts by reason");
    assertEquals(wantWritten, s.roisWritten());

    Map<String, Row> rejects = new LinkedHashMap<>();
    for (Row r : spark.read().parquet(out + "_rejects").collectAsList()) {
      rejects.put(r.getAs("image_id") + "/" + r.getAs("roi_id"), r);
    }
    for (Image i : images) {
      for (int roi = 0; roi < 2 && i.reason() != null; roi++) {
        Row r = rejects.get(i.id() + "/" + roi);
        assertTrue(r != null, "no reject for " + i.id() + "/" + roi + " in " + rejects.keySet());
        assertEquals(i.reason(), r.getAs("reason"), i.id());
        String detail = r.getAs("detail");
        assertTrue(detail != null && detail.contains(i.mentions()), "detail of " + i.id()
            + " should mention '" + i.mentions() + "': " + detail);
      }
    }
    List<Row> rows = spark.read().parquet(out).collectAsList();
    assertEquals(wantWritten, rows.size());
    // Expected rows from the proposals file itself, for the images whose maps are good.
    Map<InputRecords.Key, InputRecords.Proposal> goodInputs = new LinkedHashMap<>();
    InputRecords.csv(proposals).forEach((k, p) -> {
      if (good.containsKey(p.imageId())) {
        goodInputs.put(k, p);
      }
    });
    EndToEndTest.assertRowsEqualRoiAlign(rows, goodInputs, good, C, H, W, PARAMS);
    return rejects;
  }

  private static Path onlyParquetFile(String dirPath) throws Exception {
    try (var files = Files.list(Path.of(dirPath))) {
      return files.filter(f -> f.getFileName().toString().endsWith(".parquet")).findFirst()
          .orElseThrow();
    }
  }

  private static float[] map(long seed, int n) {
    Random r = new Random(seed);
    float[] m = new float[n];
    for (int i = 0; i < m.length; i++) {
      m[i] = r.nextFloat() * 4 - 1;
    }
    return m;
  }

  private static Row mapRow(String id, float[] data, int h, int w) {
    return RowFactory.create(id, "p3", C, h, w, SCALE, FloatBlobs.encode(data, 0, data.length));
  }

  private static void writeNpy(Path root, String image, long[] shape, float[] data)
      throws Exception {
    Files.createDirectories(root.resolve(image));
    try (OutputStream os = Files.newOutputStream(root.resolve(image).resolve("p3.npy"))) {
      NpyArrays.write(os, shape, data);
    }
  }

  /** Magic, version 1.0, length and a padded header dict claiming {@code shape}. */
  private static byte[] npyHeader(String shape) {
    String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape + ", }";
    int pad = (64 - (10 + dict.length() + 1) % 64) % 64;
    byte[] text = (dict + " ".repeat(pad) + "\n").getBytes(StandardCharsets.US_ASCII);
    byte[] out = new byte[10 + text.length];
    System.arraycopy(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0,
        (byte) (text.length & 0xff), (byte) (text.length >> 8)}, 0, out, 0, 10);
    System.arraycopy(text, 0, out, 10, text.length);
    return out;
  }
}
