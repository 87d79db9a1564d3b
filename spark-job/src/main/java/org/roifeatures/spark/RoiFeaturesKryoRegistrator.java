package org.roifeatures.spark;

import com.esotericsoftware.kryo.Kryo;
import org.apache.spark.serializer.KryoRegistrator;
import org.roifeatures.ops.LevelMapper;
import org.roifeatures.ops.PoolingMode;
import org.roifeatures.ops.Semantics;
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
    kryo.register(Semantics.class);
    // Records cannot be written field by field by Kryo 4 (no Unsafe offsets for record fields).
    kryo.register(MapEntry.class, new com.esotericsoftware.kryo.serializers.JavaSerializer());
    kryo.register(String[].class);
    kryo.register(String[][].class);
    kryo.register(java.util.HashMap.class);
    kryo.register(java.util.LinkedHashMap.class);
    kryo.register(java.util.ArrayList.class);
    kryo.register(Double.class);
    // Spark SQL sends schemas between JVMs with the configured serializer (e.g. Parquet schema
    // inference collects each file's StructType), so they must be registered too.
    for (String name : SPARK_SQL_CLASSES) {
      try {
        kryo.register(Class.forName(name, false, RoiFeaturesKryoRegistrator.class.getClassLoader()));
      } catch (ClassNotFoundException e) {
        // Not in this Spark version; nothing sends it.
      }
    }
  }

  static final String[] SPARK_SQL_CLASSES = {
      "org.apache.spark.sql.types.StructType",
      "[Lorg.apache.spark.sql.types.StructType;",
      "org.apache.spark.sql.types.StructField",
      "[Lorg.apache.spark.sql.types.StructField;",
      "org.apache.spark.sql.types.Metadata",
      "org.apache.spark.sql.types.ArrayType",
      "org.apache.spark.sql.types.MapType",
      "org.apache.spark.sql.types.DecimalType",
      "org.apache.spark.sql.types.StringType",
      "org.apache.spark.sql.types.StringType$",
      "org.apache.spark.sql.types.BinaryType$",
      "org.apache.spark.sql.types.BooleanType$",
      "org.apache.spark.sql.types.ByteType$",
      "org.apache.spark.sql.types.ShortType$",
      "org.apache.spark.sql.types.IntegerType$",
      "org.apache.spark.sql.types.LongType$",
      "org.apache.spark.sql.types.FloatType$",
      "org.apache.spark.sql.types.DoubleType$",
      "org.apache.spark.sql.types.DateType$",
      "org.apache.spark.sql.types.TimestampType$",
      "org.apache.spark.sql.types.TimestampNTZType$",
      "org.apache.spark.sql.types.NullType$",
      "org.apache.spark.ml.linalg.VectorUDT",
      "scala.collection.immutable.Map$EmptyMap$",
      "scala.collection.immutable.Map$Map1",
      "scala.collection.immutable.Map$Map2",
      "scala.collection.immutable.Map$Map3",
      "scala.collection.immutable.Map$Map4",
      "scala.collection.immutable.HashMap",
      "scala.collection.immutable.ArraySeq$ofRef",
      "scala.collection.immutable.Nil$",
      "scala.collection.immutable.$colon$colon",
      "scala.None$",
      "scala.Some",
  };

  /** Spark settings that enable Kryo with this registrator. */
  public static java.util.Map<String, String> sparkSettings() {
    return java.util.Map.of(
        "spark.serializer", "org.apache.spark.serializer.KryoSerializer",
        "spark.kryo.registrator", RoiFeaturesKryoRegistrator.class.getName());
  }
}
