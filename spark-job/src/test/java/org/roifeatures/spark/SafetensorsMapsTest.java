package org.roifeatures.spark;

import org.roifeatures.spark.conf.JobOptions;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.AbstractMap;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.roifeatures.ops.FeatureMap;
import org.roifeatures.ops.PoolingMode;
import org.roifeatures.ops.RoiAlign;
import org.roifeatures.ops.RoiAlignParams;
import org.roifeatures.spark.io.SafetensorsFile;

/**
 * safetensors maps: one file per image, one tensor per level, F32 / F16 / BF16, (C, H, W) or
 * (1, C, H, W). Values are exact in all three dtypes, so every file must pool bit for bit as
 * core-ops does on the float32 map, for the same input boxes. Corrupt headers, an unknown dtype and
 * offsets past the end are MAP_UNREADABLE rejects naming the file; a map larger than maps.max.bytes
 * is refused before allocation.
 */
class SafetensorsMapsTest extends SparkTestBase {

  private static final int C = 3;
  private static final int H = 6;
  private static final int W = 7;
  private static final RoiAlignParams P4 = new RoiAlignParams(2, 2, 0.125, 2, true,
      PoolingMode.AVG);
  private static final float[][] BOXES = {{0, 0, 40, 30}, {5.5f, 3.25f, 50, 47}, {-10, 8, 20, 60}};

  private static Path dir;

  @BeforeAll
  static void setUp() throws Exception {
    dir = tempDir("safetensors");
  }

  @AfterAll
  static void cleanup() throws Exception {
    deleteTree(dir);
  }

  @Test
  void everyDtypeAndShapePoolsAsTheFloat32MapAndCorruptFilesAreRejectedNamingThem()
      throws Exception {
    Path maps = dir.resolve("maps");
    Files.createDirectories(maps);
    Files.writeString(maps.resolve("_scales.properties"), "p3=0.25\np4=0.125\n");
    Map<String, float[]> p4 = new HashMap<>();
    String[][] good = {{"f32", "F32", "3"}, {"f16", "F16", "4"}, {"bf16", "BF16", "3"},
        {"bf16b", "BF16", "4"}};
    int seed = 1;
    for (String[] g : good) {
      float[] m3 = exactMap(seed++, 2 * H * 2 * W);
      float[] m4 = exactMap(seed++, H * W);
      p4.put(g[0], m4);
      boolean batched = g[2].equals("4");
      Map<String, Map.Entry<long[], float[]>> tensors = new LinkedHashMap<>();
      tensors.put("p3", Map.entry(batched ? new long[] {1, C, 2 * H, 2 * W}
          : new long[] {C, 2 * H, 2 * W}, m3));
      tensors.put("p4", Map.entry(batched ? new long[] {1, C, H, W} : new long[] {C, H, W}, m4));
      try (OutputStream os = Files.newOutputStream(maps.resolve(g[0] + ".safetensors"))) {
        SafetensorsFile.write(os, tensors, g[1]);
      }
    }
    byte[] valid = bytes(Map.of("p4", Map.entry(new long[] {C, H, W}, exactMap(9, H * W))), "F32");
    // Header length far beyond the file.
    byte[] hugeHeader = valid.clone();
    ByteBuffer.wrap(hugeHeader).order(ByteOrder.LITTLE_ENDIAN).putLong(0, 1L << 40);
    Files.write(maps.resolve("badlen.safetensors"), hugeHeader);
    // Not JSON.
    byte[] garbage = valid.clone();
    Arrays.fill(garbage, 8, 20, (byte) '#');
    Files.write(maps.resolve("badjson.safetensors"), garbage);
    // An integer dtype, and offsets past the end.
    Files.write(maps.resolve("i64.safetensors"), withHeader(
        "{\"p4\":{\"dtype\":\"I64\",\"shape\":[3,6,7],\"data_offsets\":[0,1008]}}", 1008));
    Files.write(maps.resolve("past.safetensors"), withHeader(
        "{\"p4\":{\"dtype\":\"F32\",\"shape\":[3,6,7],\"data_offsets\":[0,504]}}", 100));
    Files.write(maps.resolve("batch2.safetensors"), bytes(Map.of("p4", Map.entry(
        new long[] {2, C, H, W}, exactMap(3, 2 * C * H * W))), "F32"));

    StringBuilder csv = new StringBuilder("image_id,x1,y1,x2,y2\n");
    List<String> images = List.of("f32", "f16", "bf16", "bf16b", "badlen", "badjson", "i64", "past",
        "batch2");
    for (String id : images) {
      for (float[] b : BOXES) {
        csv.append(id).append(',').append(b[0]).append(',').append(b[1]).append(',').append(b[2])
            .append(',').append(b[3]).append('\n');
      }
    }
    Path proposals = dir.resolve("proposals.csv");
    Files.writeString(proposals, csv.toString());
    String out = dir.resolve("out").toString();
    JobSummary s = runJob(JobOptions.MAPS_PATH, maps.toString(), JobOptions.PROPOSALS_PATH,
        proposals.toString(), JobOptions.LEVEL, "p4", JobOptions.POOLED_HEIGHT, "2",
        JobOptions.POOLED_WIDTH, "2", JobOptions.SAMPLING_RATIO, "2", JobOptions.ALIGNED, "true",
        JobOptions.OUTPUT_PATH, out);

    Map<String, float[]> want = new HashMap<>();
    for (String[] g : good) {
      FeatureMap fm = FeatureMap.chw(p4.get(g[0]), C, H, W);
      for (int i = 0; i < BOXES.length; i++) {
        want.put(g[0] + "/" + i, RoiAlign.forward(fm, BOXES[i], P4));
      }
    }
    Map<String, float[]> got = new HashMap<>();
    for (Row r : spark.read().parquet(out).collectAsList()) {
      assertTrue(got.put(OutputKeys.key(r), OutputKeys.floats(r.getAs("features"))) == null);
    }
    assertEquals(want.keySet(), got.keySet());
    for (String k : want.keySet()) {
      assertArrayEquals(want.get(k), got.get(k), k);
    }
    assertEquals(Map.of("MAP_UNREADABLE", 4L * BOXES.length, "BAD_MAP_SHAPE", (long) BOXES.length),
        s.rejectsByReason());
    Map<String, String> detailOf = new HashMap<>();
    for (Row r : spark.read().parquet(out + "_rejects").collectAsList()) {
      detailOf.put(r.getAs("image_id"), r.getAs("reason") + ": " + r.getAs("detail"));
    }
    Map<String, String> mentions = Map.of("badlen", "badlen.safetensors: header length",
        "badjson", "badjson.safetensors: header is not JSON", "i64", "dtype I64",
        "past", "data_offsets [0, 504]", "batch2", "[2, 3, 6, 7]");
    for (Map.Entry<String, String> m : mentions.entrySet()) {
      String d = detailOf.get(m.getKey());
      assertTrue(d != null && d.contains(m.getValue()) && d.contains(m.getKey() + ".safetensors"),
          m.getKey() + ": " + d);
    }
  }

  @Test
  void aTensorLargerThanMapsMaxBytesIsRefusedBeforeAllocation() throws Exception {
    Path maps = dir.resolve("maps_big");
    Files.createDirectories(maps);
    // The header claims 64 x 4096 x 4096 BF16 (4 GiB as float32); the file holds a few bytes.
    Files.write(maps.resolve("huge.safetensors"), withHeader(
        "{\"p4\":{\"dtype\":\"BF16\",\"shape\":[64,4096,4096],\"data_offsets\":[0,2147483648]}}", 64));
    // A consistent F16 file of 240,000 bytes, 480,000 as float32: over the limit of 400k.
    Files.write(maps.resolve("big.safetensors"), bytes(Map.of("p4", Map.entry(
        new long[] {C, 200, 200}, new float[C * 200 * 200])), "F16"));
    Map<String, Map.Entry<long[], float[]>> ok = new LinkedHashMap<>();
    ok.put("p4", new AbstractMap.SimpleEntry<>(new long[] {C, H, W}, exactMap(5, H * W)));
    try (OutputStream os = Files.newOutputStream(maps.resolve("ok.safetensors"))) {
      SafetensorsFile.write(os, ok, "F16");
    }
    Path proposals = dir.resolve("big.csv");
    Files.writeString(proposals, "image_id,x1,y1,x2,y2\nbig,0,0,8,8\nhuge,0,0,8,8\nok,0,0,8,8\n");
    String out = dir.resolve("out_big").toString();
    JobSummary s = runJob(JobOptions.MAPS_PATH, maps.toString(), JobOptions.MAPS_SCALES, "p4=0.125",
        JobOptions.PROPOSALS_PATH, proposals.toString(), JobOptions.OUTPUT_PATH, out,
        JobOptions.MAPS_MAX_BYTES, "400k");
    assertEquals(1, s.roisWritten());
    assertEquals(Map.of("MAP_UNREADABLE", 2L), s.rejectsByReason());
    Map<String, String> detailOf = new HashMap<>();
    for (Row r : spark.read().parquet(out + "_rejects").collectAsList()) {
      detailOf.put(r.getAs("image_id"), r.getAs("detail"));
    }
    assertTrue(detailOf.get("big").contains("big.safetensors")
        && detailOf.get("big").contains("maps.max.bytes = 409600"), detailOf.get("big"));
    assertTrue(detailOf.get("huge").contains("huge.safetensors")
        && detailOf.get("huge").contains("data_offsets"), detailOf.get("huge"));
  }

  /** Multiples of 1/8 in [-4, 4]: exact in F32, F16 and BF16. */
  private static float[] exactMap(long seed, int pixels) {
    Random r = new Random(seed);
    float[] m = new float[C * pixels];
    for (int i = 0; i < m.length; i++) {
      m[i] = (r.nextInt(65) - 32) / 8f;
    }
    return m;
  }

  private static byte[] bytes(Map<String, Map.Entry<long[], float[]>> tensors, String dtype)
      throws Exception {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    SafetensorsFile.write(b, tensors, dtype);
    return b.toByteArray();
  }

  private static byte[] withHeader(String json, int dataBytes) {
    byte[] text = json.getBytes(StandardCharsets.UTF_8);
    ByteBuffer b = ByteBuffer.allocate(8 + text.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(text.length).put(text);
    return b.array();
  }
}
