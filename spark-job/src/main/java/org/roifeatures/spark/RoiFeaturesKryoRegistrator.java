package org.roifeatures.spark;

import com.esotericsoftware.kryo.Kryo;
import org.apache.spark.serializer.KryoRegistrator;
import org.roifeatures.ops.LevelMapper;
import org.roifeatures.ops.PoolingMode;
import org.roifeatures.spark.io.MapEntry;

/**
 * Registers every class of this project that Spark serializes with Kryo (broadcast settings, the
 * load-failure table). Tests run with {@code spark.kryo.registrationRequired=true}, so a class missing
 * here fails a test instead of silently costing class names on the wire.
 */
public final class RoiFeaturesKryoRegistrator implements KryoRegistrator {

  @Override
  public void registerClasses(Kryo kryo) {
    kryo.register(OpSettings.class);
    kryo.register(RoiOp.class);
    kryo.register(VectorFormat.class);
    kryo.register(Precision.class);
    kryo.register(PoolingMode.class);
    kryo.register(LevelMapper.class);
    kryo.register(LevelMapper.Formula.class);
    // Records cannot be written field by field by Kryo 4 (no Unsafe offsets for record fields).
    kryo.register(MapEntry.class, new com.esotericsoftware.kryo.serializers.JavaSerializer());
    kryo.register(String[].class);
    kryo.register(String[][].class);
    kryo.register(java.util.HashMap.class);
    kryo.register(java.util.LinkedHashMap.class);
    kryo.register(java.util.ArrayList.class);
    kryo.register(Double.class);
  }

  /** Spark settings that enable Kryo with this registrator. */
  public static java.util.Map<String, String> sparkSettings() {
    return java.util.Map.of(
        "spark.serializer", "org.apache.spark.serializer.KryoSerializer",
        "spark.kryo.registrator", RoiFeaturesKryoRegistrator.class.getName());
  }
}
