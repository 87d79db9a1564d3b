package org.roifeatures.spark.parquet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.schema.MessageType;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.UnsafeArrayData;
import org.apache.spark.sql.execution.datasources.OutputWriter;
import org.apache.spark.sql.execution.datasources.OutputWriterFactory;
import org.apache.spark.sql.execution.datasources.parquet.ParquetToSparkSchemaConverter;
import org.apache.spark.sql.execution.datasources.parquet.SparkToParquetSchemaConverter;
import org.apache.spark.sql.internal.SQLConf;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.unsafe.Platform;
import org.junit.jupiter.api.Test;

/**
 * Pins every Spark internal this package relies on, so that a Spark upgrade that moves or changes
 * one fails here, by name, before anything else; and checks that no class outside this package
 * uses Spark's internal packages (the fence the package documentation describes).
 */
class SparkInternalsTest {

  private static final List<String> INTERNAL = List.of("org.apache.spark.sql.catalyst",
      "org.apache.spark.sql.execution", "org.apache.spark.sql.internal",
      "org.apache.spark.sql.classic", "org.apache.spark.unsafe");

  private static final StructType SCHEMA = new StructType()
      .add("image_id", DataTypes.StringType, false)
      .add("features", DataTypes.BinaryType, true)
      .add("vec", DataTypes.createArrayType(DataTypes.FloatType, false), true);

  @Test
  void noClassOutsideTheFenceUsesSparkInternals() throws Exception {
    Path root = Path.of(System.getProperty("roifeatures.projectRoot", "..")).toAbsolutePath()
        .normalize().resolve("spark-job/src/main/java");
    Path fence = root.resolve("org/roifeatures/spark/parquet");
    List<String> offenders = new ArrayList<>();
    try (Stream<Path> files = Files.walk(root)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
        if (f.startsWith(fence)) {
          continue;
        }
        String text = Files.readString(f);
        for (String pkg : INTERNAL) {
          if (text.contains(pkg + ".")) {
            offenders.add(root.relativize(f) + " uses " + pkg);
          }
        }
      }
    }
    assertEquals(List.of(), offenders);
  }

  @Test
  void schemaConvertersBothWays() throws Exception {
    SQLConf conf = new SQLConf();
    MessageType fromSql = new SparkToParquetSchemaConverter(conf).convert(SCHEMA);
    // ParquetRowWriter builds it from the write job's Hadoop conf, which Spark fills.
    assertTrue(SparkToParquetSchemaConverter.class.getConstructor(Configuration.class) != null);
    assertEquals(3, fromSql.getFieldCount());
    assertEquals(SCHEMA.fieldNames().length,
        new ParquetToSparkSchemaConverter(conf).convert(fromSql).fields().length);
    assertEquals(false, conf.isParquetSchemaMergingEnabled(), "Spark's default");
  }

  @Test
  void footerSchemaReaderAndSessionState() throws Exception {
    Method read = org.apache.spark.sql.execution.datasources.parquet.ParquetFileFormat$.class
        .getMethod("readSchemaFromFooter", org.apache.parquet.hadoop.Footer.class,
            ParquetToSparkSchemaConverter.class);
    assertEquals(StructType.class, read.getReturnType());
    Method state = org.apache.spark.sql.classic.SparkSession.class.getMethod("sessionState");
    assertTrue(state.getReturnType().getMethod("newHadoopConf") != null);
    assertEquals(SQLConf.class, state.getReturnType().getMethod("conf").getReturnType());
  }

  @Test
  void outputWriterContract() throws Exception {
    assertEquals(void.class, OutputWriter.class.getMethod("write", InternalRow.class)
        .getReturnType());
    assertEquals(void.class, OutputWriter.class.getMethod("close").getReturnType());
    assertEquals(String.class, OutputWriter.class.getMethod("path").getReturnType());
    Method newInstance = OutputWriterFactory.class.getMethod("newInstance", String.class,
        StructType.class, org.apache.hadoop.mapreduce.TaskAttemptContext.class);
    assertTrue(Modifier.isAbstract(newInstance.getModifiers()));
    OutputWriterFactory.class.getMethod("getFileExtension",
        org.apache.hadoop.mapreduce.TaskAttemptContext.class);
  }

  @Test
  void unsafeRowVariableLengthLayoutThatPlainValuesCopiesFrom() {
    byte[] payload = {1, 2, 3, 4, 5, 6, 7};
    org.apache.spark.sql.catalyst.expressions.UnsafeRow row =
        org.apache.spark.sql.catalyst.expressions.UnsafeProjection.create(
            new StructType().add("b", DataTypes.BinaryType))
        .apply(new org.apache.spark.sql.catalyst.expressions.GenericInternalRow(
            new Object[] {payload}));
    long offsetAndSize = row.getLong(0);
    byte[] copied = new byte[(int) offsetAndSize];
    Platform.copyMemory(row.getBaseObject(), row.getBaseOffset() + (offsetAndSize >>> 32), copied,
        Platform.BYTE_ARRAY_OFFSET, copied.length);
    assertArrayEquals(payload, copied);
  }

  @Test
  void unsafeArrayLayoutThatPlainValuesCopiesFrom() {
    float[] values = {1.5f, -2f, 3.25f};
    UnsafeArrayData array = UnsafeArrayData.fromPrimitiveArray(values);
    float[] copied = new float[values.length];
    Platform.copyMemory(array.getBaseObject(), array.getBaseOffset()
        + UnsafeArrayData.calculateHeaderPortionInBytes(values.length), copied,
        Platform.FLOAT_ARRAY_OFFSET, (long) values.length * Float.BYTES);
    assertArrayEquals(values, copied);
  }
}
