package org.roifeatures.spark;

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
import org.roifeatures.spark.io.FloatBlobs;
import org.roifeatures.spark.sample.SampleGenerator;

/**
 * Parquet maps with a {@code dtype} column: float32, float16 and bfloat16 blobs of the same values
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

  @Test
  void halfPrecisionBlobsPoolAsTheirFloat32Widening() throws Exception {
    Random r = new Random(4);
    float[] map = new float[C * H * W];
    for (int i = 0; i < map.length; i++) {
      map[i] = (r.nextInt(129) - 64) / 16f;
    }
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
      assertTrue(got.put(EndToEndTest.key(row), EndToEndTest.floats(row.getAs("features"))) == null);
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
