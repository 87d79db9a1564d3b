package org.roifeatures.spark;

import org.roifeatures.spark.conf.JobOptions;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.roifeatures.ops.FeatureMap;
import org.roifeatures.ops.HalfPrecision;
import org.roifeatures.ops.PoolingMode;
import org.roifeatures.ops.RoiAlign;
import org.roifeatures.ops.RoiAlignParams;
import org.roifeatures.spark.io.ArrowMapFiles;
import org.roifeatures.spark.io.FloatBlobs;
import org.roifeatures.spark.sample.SampleGenerator;

/**
 * Parquet and Arrow maps with a {@code dtype} column: float32, float16 and bfloat16 blobs of the same values
 * (exact in all three) pool bit for bit as core-ops on the float32 map; an unknown dtype is
 * MAP_UNREADABLE naming it and the file, and a blob of the wrong length for its dtype is
 * MAP_LENGTH_MISMATCH.
 */
class ParquetMapDtypeTest extends SparkTestBase {

  private static final int C = 2;
  private static final int H = 7;
  private static final int W = 9;
  private static final double SCALE = 0.25;
  private static final RoiAlignParams PARAMS = new RoiAlignParams(3, 2, SCALE, 2, true,
      PoolingMode.AVG);
  private static final float[][] BOXES = {{0, 0, 20, 20}, {3.75f, 1.5f, 33, 26}};
  private static final StructType SCHEMA = SampleGenerator.MAP_SCHEMA.add("dtype",
      DataTypes.StringType);

  private static Path dir;

  @BeforeAll
  static void setUp() throws Exception {
    dir = tempDir("parquetdtype");
  }

  @AfterAll
  static void cleanup() throws Exception {
    deleteTree(dir);
  }

  /** Multiples of 1/16 in [-4, 4]: exact in float32, float16 and bfloat16. */
  private static float[] exactMap() {
    Random r = new Random(4);
    float[] map = new float[C * H * W];
    for (int i = 0; i < map.length; i++) {
      map[i] = (r.nextInt(129) - 64) / 16f;
    }
    return map;
  }

  @Test
  void arrowMapsWithADtypeColumnDecodeTheSameWay() throws Exception {
    float[] map = exactMap();
    Path arrow = dir.resolve("maps_arrow");
    Files.createDirectories(arrow);
    List<org.apache.arrow.vector.types.pojo.Field> fields =
        new ArrayList<>(ArrowMapFiles.schema().getFields());
    fields.add(new org.apache.arrow.vector.types.pojo.Field("dtype",
        org.apache.arrow.vector.types.pojo.FieldType.nullable(
            new org.apache.arrow.vector.types.pojo.ArrowType.Utf8()), null));
    String[][] maps = {{"a32", null}, {"a16", "float16"}, {"abf", "torch.bfloat16"}, {"abad", "f8"}};
    try (var allocator = new org.apache.arrow.memory.RootAllocator();
        var root = org.apache.arrow.vector.VectorSchemaRoot.create(
            new org.apache.arrow.vector.types.pojo.Schema(fields), allocator);
        var out = Files.newOutputStream(arrow.resolve("maps.arrow"));
        var writer = new org.apache.arrow.vector.ipc.ArrowFileWriter(root, null,
            java.nio.channels.Channels.newChannel(out))) {
      writer.start();
      root.allocateNew();
      for (int i = 0; i < maps.length; i++) {
        ((org.apache.arrow.vector.VarCharVector) root.getVector("image_id")).setSafe(i,
            maps[i][0].getBytes(java.nio.charset.StandardCharsets.UTF_8));
        ((org.apache.arrow.vector.VarCharVector) root.getVector("level")).setNull(i);
        ((org.apache.arrow.vector.IntVector) root.getVector("channels")).setSafe(i, C);
        ((org.apache.arrow.vector.IntVector) root.getVector("height")).setSafe(i, H);
        ((org.apache.arrow.vector.IntVector) root.getVector("width")).setSafe(i, W);
        ((org.apache.arrow.vector.Float8Vector) root.getVector("spatial_scale")).setSafe(i, SCALE);
        byte[] blob = maps[i][1] == null ? FloatBlobs.encode(map, 0, map.length)
            : half(map, maps[i][1].contains("bfloat"));
        ((org.apache.arrow.vector.VarBinaryVector) root.getVector("data")).setSafe(i, blob);
        var dtype = (org.apache.arrow.vector.VarCharVector) root.getVector("dtype");
        if (maps[i][1] == null) {
          dtype.setNull(i);
        } else {
          dtype.setSafe(i, maps[i][1].getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
      }
      root.setRowCount(maps.length);
      writer.writeBatch();
      writer.end();
    }
    StringBuilder csv = new StringBuilder("image_id,x1,y1,x2,y2\n");
    for (String[] m : maps) {
      for (float[] b : BOXES) {
        csv.append(m[0]).append(',').append(b[0]).append(',').append(b[1]).append(',')
            .append(b[2]).append(',').append(b[3]).append('\n');
      }
    }
    Path proposals = dir.resolve("arrow.csv");
    Files.writeString(proposals, csv.toString());
    String out = dir.resolve("out_arrow").toString();
    JobSummary s = runJob(JobOptions.MAPS_PATH, arrow.toString(), JobOptions.PROPOSALS_PATH,
        proposals.toString(), JobOptions.POOLED_HEIGHT, "3", JobOptions.POOLED_WIDTH, "2",
        JobOptions.SAMPLING_RATIO, "2", JobOptions.ALIGNED, "true", JobOptions.OUTPUT_PATH, out);
    assertEquals(Map.of("MAP_UNREADABLE", (long) BOXES.length), s.rejectsByReason());
    Map<String, float[]> got = new HashMap<>();
    for (Row row : spark.read().parquet(out).collectAsList()) {
      assertTrue(got.put(OutputKeys.key(row), OutputKeys.floats(row.getAs("features"))) == null);
    }
    Map<String, float[]> want = new HashMap<>();
    for (String id : List.of("a32", "a16", "abf")) {
      for (int i = 0; i < BOXES.length; i++) {
        want.put(id + "/" + i, RoiAlign.forward(FeatureMap.chw(map, C, H, W), BOXES[i], PARAMS));
      }
    }
    assertEquals(want.keySet(), got.keySet());
    for (String k : want.keySet()) {
      assertArrayEquals(want.get(k), got.get(k), k);
    }
    String detail = spark.read().parquet(out + "_rejects").first().getAs("detail");
    assertTrue(detail.contains("'f8'") && detail.contains("maps.arrow"), detail);
  }

  @Test
  void halfPrecisionBlobsPoolAsTheirFloat32Widening() throws Exception {
    float[] map = exactMap();
    List<Row> rows = new ArrayList<>();
    rows.add(row("m32", FloatBlobs.encode(map, 0, map.length), "float32"));
    rows.add(row("mnull", FloatBlobs.encode(map, 0, map.length), null));
    rows.add(row("m16", half(map, false), "float16"));
    rows.add(row("mf2", half(map, false), "<f2"));
    rows.add(row("mbf", half(map, true), "bfloat16"));
    rows.add(row("mint", half(map, false), "int16"));
    rows.add(row("mlen", FloatBlobs.encode(map, 0, map.length), "float16"));
    String maps = dir.resolve("maps").toString();
    spark.createDataFrame(rows, SCHEMA).coalesce(1).write().parquet(maps);
    List<String> good = List.of("m32", "mnull", "m16", "mf2", "mbf");

    StringBuilder csv = new StringBuilder("image_id,x1,y1,x2,y2\n");
    for (Row m : rows) {
      for (float[] b : BOXES) {
        csv.append(m.getString(0)).append(',').append(b[0]).append(',').append(b[1]).append(',')
            .append(b[2]).append(',').append(b[3]).append('\n');
      }
    }
    Path proposals = dir.resolve("p.csv");
    Files.writeString(proposals, csv.toString());
    String out = dir.resolve("out").toString();
    JobSummary s = runJob(JobOptions.MAPS_PATH, maps, JobOptions.PROPOSALS_PATH,
        proposals.toString(), JobOptions.POOLED_HEIGHT, "3", JobOptions.POOLED_WIDTH, "2",
        JobOptions.SAMPLING_RATIO, "2", JobOptions.ALIGNED, "true", JobOptions.OUTPUT_PATH, out);

    Map<String, float[]> want = new HashMap<>();
    FeatureMap fm = FeatureMap.chw(map, C, H, W);
    for (String id : good) {
      for (int i = 0; i < BOXES.length; i++) {
        want.put(id + "/" + i, RoiAlign.forward(fm, BOXES[i], PARAMS));
      }
    }
    Map<String, float[]> got = new HashMap<>();
    for (Row row : spark.read().parquet(out).collectAsList()) {
      assertTrue(got.put(OutputKeys.key(row), OutputKeys.floats(row.getAs("features"))) == null);
    }
    assertEquals(want.keySet(), got.keySet());
    for (String k : want.keySet()) {
      assertArrayEquals(want.get(k), got.get(k), k);
    }
    assertEquals(Map.of("MAP_UNREADABLE", (long) BOXES.length, "MAP_LENGTH_MISMATCH",
        (long) BOXES.length), s.rejectsByReason());
    for (Row rej : spark.read().parquet(out + "_rejects").collectAsList()) {
      String detail = rej.getAs("detail");
      if (rej.getAs("image_id").equals("mint")) {
        assertTrue(detail.contains("'int16'") && detail.contains(".parquet"), detail);
      } else {
        assertEquals("mlen", rej.getAs("image_id"));
        assertTrue(detail.contains("float16") && detail.contains("" + C * H * W * 2), detail);
      }
    }
  }

  private static Row row(String id, byte[] blob, String dtype) {
    return RowFactory.create(id, "p3", C, H, W, SCALE, blob, dtype);
  }

  private static byte[] half(float[] v, boolean bfloat) {
    ByteBuffer b = ByteBuffer.allocate(v.length * 2).order(ByteOrder.LITTLE_ENDIAN);
    for (float f : v) {
      b.putShort(bfloat ? HalfPrecision.toBfloat16(f) : HalfPrecision.toFloat16(f));
    }
    return b.array();
  }
}
