package org.roifeatures.spark.parquet;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.struct;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.roifeatures.spark.SparkJobs;
import org.roifeatures.spark.SparkTestBase;

/**
 * Parquet inputs opened with the schema read on the driver: the same schema and rows as Spark's own
 * inference, without its schema job; anything unusual is left to Spark.
 */
class ParquetInputsTest extends SparkTestBase {

  private static Path dir;

  @BeforeAll
  static void data() throws Exception {
    dir = tempDir("parquet-inputs");
    Dataset<Row> rows = spark.range(0, 50).select(col("id").cast("string").as("image_id"),
        col("id").as("roi_id"), col("id").cast("int").as("label"), col("id").cast("double").as("x1"),
        col("id").cast("float").as("score"), lit(new byte[] {1, 2, 3}).as("data"),
        array(col("id"), col("id")).as("shape"),
        struct(col("id").as("a"), lit("s").as("b")).as("nested"),
        col("id").mod(3).as("part"));
    rows.coalesce(1).write().mode(SaveMode.Overwrite).parquet(dir.resolve("plain").toString());
    rows.write().mode(SaveMode.Overwrite).partitionBy("part").parquet(dir.resolve("parted").toString());
    rows.repartition(2).write().mode(SaveMode.Overwrite)
        .option("parquet.enable.dictionary", "false").parquet(dir.resolve("two-files").toString());
  }

  @AfterAll
  static void cleanup() throws Exception {
    deleteTree(dir);
  }

  /** The 50 written rows, every column, as built in {@link #data} (the partition column last). */
  private static List<String> writtenRows() {
    List<String> out = new java.util.ArrayList<>();
    for (long id = 0; id < 50; id++) {
      out.add("image_id=" + id + " roi_id=" + id + " label=" + id + " x1=" + (double) id + " score="
          + (float) id + " data=[1, 2, 3] shape=[" + id + ", " + id + "] nested=[" + id + ",s] part="
          + id % 3);
    }
    return out;
  }

  /** Every column of every row, in roi_id order, as {@link #writtenRows} spells them. */
  private static List<String> allColumns(Dataset<Row> d) {
    return d.orderBy("roi_id").collectAsList().stream().map(r -> "image_id=" + r.getAs("image_id")
        + " roi_id=" + r.getAs("roi_id") + " label=" + r.getAs("label") + " x1=" + r.getAs("x1")
        + " score=" + r.getAs("score") + " data=" + java.util.Arrays.toString((byte[]) r.getAs("data"))
        + " shape=" + r.getList(r.fieldIndex("shape")) + " nested=" + r.getAs("nested") + " part="
        + r.getAs("part")).toList();
  }

  @Test
  void sameSchemaAndRowsAsSparksInference() {
    for (String name : List.of("plain", "parted", "two-files")) {
      String path = dir.resolve(name).toString();
      Dataset<Row> spark0 = spark.read().parquet(path);
      Dataset<Row> ours = ParquetInputs.read(spark, path);
      assertEquals(spark0.schema(), ours.schema(), name);
      // Every column of every row as written, not only as Spark's reader returns it.
      assertEquals(writtenRows(), allColumns(ours), name);
      assertEquals(sorted(spark0), sorted(ours), name);
    }
  }

  @Test
  void aSingleFileAndASubdirectoryAreReadToo() throws Exception {
    Path file;
    try (var files = Files.list(dir.resolve("plain"))) {
      file = files.filter(f -> f.getFileName().toString().endsWith(".parquet")).findFirst().get();
    }
    assertEquals(spark.read().parquet(file.toString()).schema(),
        ParquetInputs.read(spark, file.toString()).schema());
    assertEquals(writtenRows(), allColumns(ParquetInputs.read(spark, file.toString())));
    // The partitioned directory's schema read on the driver: the data files' columns, as written
    // (Spark adds the partition column "part" from the directory names).
    StructType parted = ParquetInputs.schemaOnDriver(spark, dir.resolve("parted").toString());
    assertNotNull(parted, "read on the driver, not left to Spark");
    assertEquals(List.of("image_id", "roi_id", "label", "x1", "score", "data", "shape", "nested"),
        List.of(parted.fieldNames()));
    assertEquals(List.of("string", "long", "integer", "double", "float", "binary", "array",
        "struct"), java.util.Arrays.stream(parted.fields()).map(f -> f.dataType().typeName())
        .toList());
  }

  @Test
  void noSchemaJobRuns() throws Exception {
    String path = dir.resolve("parted").toString();
    assertEquals(1, SparkJobs.startedBy(spark, () -> spark.read().parquet(path)),
        "Spark's inference runs its schema job (else this test shows nothing)");
    assertEquals(0, SparkJobs.startedBy(spark, () -> ParquetInputs.read(spark, path)),
        "jobs started by ParquetInputs.read");
  }

  @Test
  void unusualInputsAreLeftToSpark() throws Exception {
    assertNull(ParquetInputs.schemaOnDriver(spark, dir.resolve("plain") + "/*.parquet"), "glob");
    Path empty = dir.resolve("empty");
    Files.createDirectories(empty);
    assertNull(ParquetInputs.schemaOnDriver(spark, empty.toString()), "no data file");
    // Spark's own error for a directory without data, not a different one of ours.
    Exception e = assertThrows(Exception.class, () -> ParquetInputs.read(spark, empty.toString()));
    assertEquals(assertThrows(Exception.class, () -> spark.read().parquet(empty.toString()))
        .getMessage(), e.getMessage());
    Path withSummary = dir.resolve("summary");
    copyTree(dir.resolve("plain"), withSummary);
    Files.write(withSummary.resolve("_common_metadata"), new byte[] {0});
    assertThrows(java.io.IOException.class,
        () -> ParquetInputs.schemaOnDriver(spark, withSummary.toString()), "summary file");
    spark.conf().set("spark.sql.parquet.mergeSchema", "true");
    try {
      assertNull(ParquetInputs.schemaOnDriver(spark, dir.resolve("plain").toString()), "merging");
    } finally {
      spark.conf().unset("spark.sql.parquet.mergeSchema");
    }
  }

  private static List<String> sorted(Dataset<Row> d) {
    return d.select(col("roi_id"), col("image_id"), col("label"), col("part"))
        .orderBy("roi_id").collectAsList().stream().map(Row::toString).toList();
  }

  private static void copyTree(Path from, Path to) throws Exception {
    Files.createDirectories(to);
    try (var files = Files.list(from)) {
      for (Path f : files.toList()) {
        Files.copy(f, to.resolve(f.getFileName()));
      }
    }
  }
}
