package org.roifeatures.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HashMap;
import java.util.Map;
import org.apache.spark.SparkConf;
import org.apache.spark.serializer.KryoSerializer;
import org.apache.spark.serializer.SerializerInstance;
import org.junit.jupiter.api.Test;
import org.roifeatures.ops.PoolingMode;
import org.roifeatures.ops.Semantics;
import org.roifeatures.spark.io.MapEntry;
import scala.reflect.ClassTag$;

/**
 * Round-trips what the job ships between JVMs through Spark's Kryo serializer with registration
 * required, so a class missing from {@link RoiFeaturesKryoRegistrator} fails here first.
 */
class KryoRegistratorTest {

  private static SerializerInstance kryo() {
    SparkConf conf = new SparkConf(false)
        .set("spark.kryo.registrator", RoiFeaturesKryoRegistrator.class.getName())
        .set("spark.kryo.registrationRequired", "true");
    return new KryoSerializer(conf).newInstance();
  }

  @SuppressWarnings("unchecked")
  private static <T> T roundTrip(T value) {
    SerializerInstance k = kryo();
    return (T) k.deserialize(k.serialize(value, ClassTag$.MODULE$.apply(Object.class)),
        ClassTag$.MODULE$.apply(Object.class));
  }

  @Test
  void opSettingsSurviveKryo() {
    OpSettings s = new OpSettings(RoiOp.MULTISCALE_ROI_ALIGN, 7, 5, 2, true, PoolingMode.ONNX_MAX,
        new String[] {"p2", "p3"}, Map.of("p2", 0.25, "p3", 0.125), Semantics.MMDET.withCanonicalScale(64),
        256, VectorFormat.BINARY,
        Precision.BFLOAT16, 32).withMapChecks(3L << 30, false);
    OpSettings back = roundTrip(s);
    assertEquals(3L << 30, back.maxMapBytes());
    assertEquals(false, back.verifyChecksums());
    assertEquals(s.toString(), back.toString());
    assertEquals(s.rowLength(), back.rowLength());
    assertEquals(0.125, back.configuredScale("p3"));
    assertEquals(s.semantics(), back.semantics());
  }

  @Test
  void mapEntriesAndFailureTablesSurviveKryo() {
    MapEntry e = new MapEntry("p4", "parquet", "file:/maps/part-0.parquet", -1, 17, 256, 25, 34,
        0.0625, null);
    assertEquals(e, roundTrip(e));
    Map<String, String[]> failures = new HashMap<>();
    failures.put("img_1", new String[] {"MAP_UNREADABLE", "truncated"});
    Map<String, String[]> back = roundTrip(failures);
    assertArrayEquals(failures.get("img_1"), back.get("img_1"));
  }
}
