package org.roifeatures.spark.parquet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.column.statistics.Statistics;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.spark.sql.DataFrameWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.MetadataBuilder;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.roifeatures.spark.SparkTestBase;

/**
 * {@link FeatureParquetFormat} writes files that read back exactly like Spark's own Parquet writer's
 * (rows, schema with field metadata), with the same page/row-group limits, statistics, indexes and
 * footer keys, for every codec Spark writes; other schemas go to Spark's writer.
 */
class FeatureParquetFormatTest extends SparkTestBase {

  @TempDir
  static Path dir;

  private static final Metadata VECTOR_METADATA = new MetadataBuilder()
      .putString("roi_features.layout", "C,PH,PW row-major").build();
  private static final StructType SCHEMA = new StructType()
      .add("image_id", DataTypes.StringType, false)
      .add("roi_id", DataTypes.LongType, false)
      .add("x1", DataTypes.DoubleType, false)
      .add("score", DataTypes.DoubleType, true)
      .add("label", DataTypes.IntegerType, true)
      .add("level", DataTypes.StringType, true)
      .add("weight", DataTypes.FloatType, true)
      .add("features", DataTypes.BinaryType, false, VECTOR_METADATA);

  private static final StructType LIST_SCHEMA = new StructType()
      .add("id", DataTypes.LongType, false)
      .add("required", DataTypes.createArrayType(DataTypes.FloatType, false), false)
      .add("optional", DataTypes.createArrayType(DataTypes.FloatType, false), true);

  /**
   * {@code array<float>} columns (required and nullable): empty, null, one-element and long lists,
   * NaN, ±0 and ±Inf elements, over several pages and row groups, read back as from Spark's writer,
   * by both of Spark's readers.
   */
  @ParameterizedTest
  @ValueSource(strings = {"snappy", "uncompressed"})
  void floatListsReadBackAsSparksOwnWriterDoes(String codec) throws Exception {
    Random random = new Random(7);
    float[] specials = {Float.NaN, -0f, 0f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY};
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      float[] a = new float[i % 13 == 0 ? 0 : i % 7 == 0 ? 1 : 1 + random.nextInt(3000)];
      for (int j = 0; j < a.length; j++) {
        a[j] = j % 97 == 5 ? specials[(i + j) % specials.length] : (float) random.nextGaussian();
      }
      float[] b = new float[i % 5];
      for (int j = 0; j < b.length; j++) {
        b[j] = random.nextFloat();
      }
      rows.add(RowFactory.create((long) i, a, i % 4 == 0 ? null : b));
    }
    String ours = dir.resolve("lists_ours_" + codec).toString();
    String sparks = dir.resolve("lists_sparks_" + codec).toString();
    small(spark.createDataFrame(rows, LIST_SCHEMA).repartition(2).write()
        .format(FeatureParquetFormat.class.getName()), codec).save(ours);
    small(spark.createDataFrame(rows, LIST_SCHEMA).repartition(2).write(), codec).parquet(sparks);
    List<Row> want = spark.read().parquet(sparks).orderBy("id").collectAsList();
    assertEquals(spark.read().parquet(sparks).schema(), spark.read().parquet(ours).schema());
    assertSameLists(want, spark.read().parquet(ours).orderBy("id").collectAsList(), "vectorised");
    spark.conf().set("spark.sql.parquet.enableVectorizedReader", "false");
    try {
      assertSameLists(want, spark.read().parquet(ours).orderBy("id").collectAsList(),
          "parquet-mr reader");
    } finally {
      spark.conf().unset("spark.sql.parquet.enableVectorizedReader");
    }
    long pages = 0;
    long chunks = 0;
    for (String part : parts(ours)) {
      try (ParquetFileReader reader = open(part)) {
        for (BlockMetaData block : reader.getFooter().getBlocks()) {
          ColumnChunkMetaData required = block.getColumns().get(1);
          pages += reader.readOffsetIndex(required).getPageCount();
          chunks++;
          assertTrue(required.getValueCount() >= block.getRowCount());
        }
      }
    }
    assertTrue(pages > chunks, "several pages per list chunk");
  }

  /** Row by row, the lists as float bits (Row equality would take NaN for different from NaN). */
  private static void assertSameLists(List<Row> want, List<Row> got, String reader) {
    assertEquals(want.size(), got.size(), reader);
    for (int i = 0; i < want.size(); i++) {
      assertEquals(want.get(i).getLong(0), got.get(i).getLong(0), reader);
      for (int c = 1; c <= 2; c++) {
        assertEquals(want.get(i).isNullAt(c), got.get(i).isNullAt(c), reader + " row " + i);
        if (!want.get(i).isNullAt(c)) {
          assertArrayEquals(floats(want.get(i).getList(c)), floats(got.get(i).getList(c)),
              reader + " row " + i + " column " + c);
        }
      }
    }
  }

  private static float[] floats(List<Float> list) {
    float[] a = new float[list.size()];
    for (int i = 0; i < a.length; i++) {
      a[i] = list.get(i);
    }
    return a;
  }

  /** Rows with nulls, NaN, -0.0, infinities, empty and non-ASCII strings, empty and 20 KB vectors. */
  private static List<Row> rows(int n) {
    Random random = new Random(42);
    double[] specials = {Double.NaN, -0.0, 0.0, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY};
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      byte[] vector = new byte[i % 17 == 0 ? 0 : 4 * (1000 + random.nextInt(4000))];
      for (int j = 0; j < vector.length; j += 1 + random.nextInt(7)) {
        vector[j] = (byte) random.nextInt(256);
      }
      rows.add(RowFactory.create(i % 5 == 0 ? "" : "img_" + (i / 40) + (i % 7 == 0 ? "_é漢" : ""),
          (long) i * 1_000_003L - 5_000_000L,
          i % 11 == 0 ? specials[(i / 11) % specials.length] : random.nextGaussian() * 100,
          i % 3 == 0 ? null : random.nextDouble(),
          i % 4 == 0 ? null : random.nextInt() ,
          i % 6 == 0 ? null : "p" + (2 + i % 4),
          i % 9 == 0 ? null : (i % 13 == 0 ? Float.NaN : random.nextFloat() - 0.5f),
          vector));
    }
    return rows;
  }

  private static Dataset<Row> frame(List<Row> rows) {
    return spark.createDataFrame(rows, SCHEMA).repartition(2);
  }

  /** Small pages and row groups, so that every column has several of each. */
  private static <T> DataFrameWriter<T> small(DataFrameWriter<T> w, String codec) {
    return w.option("compression", codec).option("parquet.page.size", 64 * 1024)
        .option("parquet.block.size", 1 << 20).option("parquet.page.row.count.limit", 50)
        .option("parquet.column.statistics.enabled#features", "false");
  }

  @ParameterizedTest
  @ValueSource(strings = {"snappy", "uncompressed", "gzip", "zstd", "lz4_raw"})
  void readsBackAsSparksOwnWriterDoes(String codec) throws Exception {
    List<Row> rows = rows(600);
    String ours = dir.resolve("ours_" + codec).toString();
    String sparks = dir.resolve("sparks_" + codec).toString();
    small(frame(rows).write().format(FeatureParquetFormat.class.getName()), codec).save(ours);
    small(frame(rows).write(), codec).parquet(sparks);

    Dataset<Row> a = spark.read().parquet(ours);
    Dataset<Row> b = spark.read().parquet(sparks);
    assertEquals(b.schema(), a.schema(), "schema with field metadata");
    assertEquals(VECTOR_METADATA, a.schema().apply("features").metadata());
    List<Row> got = a.orderBy("roi_id").collectAsList();
    List<Row> want = b.orderBy("roi_id").collectAsList();
    assertEquals(rows.size(), got.size());
    for (int i = 0; i < want.size(); i++) {
      assertEquals(want.get(i), got.get(i), "row " + i);
    }
    // Parquet's own record reader (Spark's non-vectorized path) decodes the pages independently of
    // Spark's vectorized readers.
    spark.conf().set("spark.sql.parquet.enableVectorizedReader", "false");
    try {
      List<Row> viaParquetMr = spark.read().parquet(ours).orderBy("roi_id").collectAsList();
      for (int i = 0; i < want.size(); i++) {
        assertEquals(want.get(i), viaParquetMr.get(i), "row " + i + " (parquet-mr reader)");
      }
    } finally {
      spark.conf().unset("spark.sql.parquet.enableVectorizedReader");
    }
    assertEquals(extensions(sparks), extensions(ours), "file extensions");
    assertFooter(ours, rows, footerKeys(sparks));
  }

  private static List<String> parts(String output) throws Exception {
    try (Stream<Path> files = Files.list(Path.of(output))) {
      return files.map(Path::toString).filter(p -> p.endsWith(".parquet")).sorted().toList();
    }
  }

  private static List<String> extensions(String output) throws Exception {
    return parts(output).stream().map(p -> p.substring(p.lastIndexOf("c000"))).distinct().toList();
  }

  private static ParquetFileReader open(String part) throws Exception {
    return ParquetFileReader.open(HadoopInputFile.fromPath(new org.apache.hadoop.fs.Path(
        Path.of(part).toUri()), new Configuration()));
  }

  private static java.util.Map<String, String> footerKeys(String output) throws Exception {
    try (ParquetFileReader reader = open(parts(output).get(0))) {
      return reader.getFooter().getFileMetaData().getKeyValueMetaData();
    }
  }

  /**
   * A string chunk whose dictionary outgrows {@code parquet.dictionary.page.size} goes on in PLAIN
   * after its dictionary-encoded pages, and reads back whole.
   */
  @Test
  void dictionaryFallsBackToPlainMidChunk() throws Exception {
    // 40 distinct strings of 12 PLAIN bytes, each on 10 consecutive rows; pages of 50 rows. A
    // 200-byte dictionary holds the first 16: pages 1-3 use it, the rest of the chunk is PLAIN.
    StructType schema = new StructType().add("id", DataTypes.LongType, false)
        .add("s", DataTypes.StringType, false);
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < 400; i++) {
      rows.add(RowFactory.create((long) i, String.format("value_%02d", i / 10)));
    }
    String ours = dir.resolve("dictionary_fallback").toString();
    spark.createDataFrame(rows, schema).coalesce(1).write()
        .format(FeatureParquetFormat.class.getName())
        .option("parquet.page.row.count.limit", 50).option("parquet.dictionary.page.size", 200)
        .save(ours);
    assertEquals(rows, spark.read().parquet(ours).orderBy("id").collectAsList());
    try (ParquetFileReader reader = open(parts(ours).get(0))) {
      List<ColumnChunkMetaData> columns = reader.getFooter().getBlocks().get(0).getColumns();
      assertFalse(columns.get(0).hasDictionaryPage(), "unique longs stay PLAIN");
      var encodings = columns.get(1).getEncodingStats();
      assertTrue(columns.get(1).hasDictionaryPage());
      assertTrue(encodings.hasDictionaryEncodedPages() && encodings.hasNonDictionaryEncodedPages(),
          "dictionary pages, then PLAIN pages");
      assertEquals(3, encodings.getNumDataPagesEncodedAs(org.apache.parquet.column.Encoding
          .PLAIN_DICTIONARY));
    }
  }

  /** Footer of every part: Spark's keys, several row groups and pages, statistics as configured. */
  private static void assertFooter(String output, List<Row> rows,
      java.util.Map<String, String> sparkKeys) throws Exception {
    double minX1 = Double.POSITIVE_INFINITY;
    double maxX1 = Double.NEGATIVE_INFINITY;
    for (Row r : rows) {
      double x = r.getDouble(2);
      if (!Double.isNaN(x)) {
        minX1 = Math.min(minX1, x);
        maxX1 = Math.max(maxX1, x);
      }
    }
    double fileMin = Double.POSITIVE_INFINITY;
    double fileMax = Double.NEGATIVE_INFINITY;
    long nullScores = 0;
    long scorePages = 0;
    long scoreChunks = 0;
    int stringChunks = 0;
    int dictionaryChunks = 0;
    long rowCount = 0;
    for (String part : parts(output)) {
        try (ParquetFileReader reader = open(part)) {
          var footer = reader.getFooter();
          java.util.Map<String, String> keys =
              new java.util.HashMap<>(footer.getFileMetaData().getKeyValueMetaData());
          // Ours adds the vector description as a top-level key when the column carries one.
          String description = keys.remove(ParquetRowWriter.VECTOR_DESCRIPTION_KEY);
          assertTrue(description == null || description.contains("roi_features."), description);
          assertEquals(sparkKeys, keys, "footer keys");
          assertTrue(footer.getBlocks().size() > 1, part + ": one row group");
          for (BlockMetaData block : footer.getBlocks()) {
            rowCount += block.getRowCount();
            for (ColumnChunkMetaData column : block.getColumns()) {
              String name = column.getPath().toDotString();
              assertEquals(block.getRowCount(), column.getValueCount(), name);
              // Strings repeat (an image id per 40 rows, four levels): dictionary encoded, as by
              // Spark's writer, where that pays (not in a row group of a few rows); others PLAIN.
              if (name.equals("image_id") || name.equals("level")) {
                stringChunks++;
                dictionaryChunks += column.hasDictionaryPage() ? 1 : 0;
              } else {
                assertFalse(column.hasDictionaryPage(), name + " dictionary");
              }
              Statistics<?> stats = column.getStatistics();
              var offsets = reader.readOffsetIndex(column);
              assertNotNull(offsets, name + ": offset index");
              if (name.equals("features")) {
                assertFalse(stats != null && stats.hasNonNullValue(), "features statistics");
                assertNull(reader.readColumnIndex(column), "features column index");
              } else if (name.equals("roi_id") || name.equals("label")) {
                assertNotNull(reader.readColumnIndex(column), name + ": column index");
              }
              if (name.equals("x1")) {
                fileMin = Math.min(fileMin, (Double) stats.genericGetMin());
                fileMax = Math.max(fileMax, (Double) stats.genericGetMax());
              } else if (name.equals("score")) {
                nullScores += stats.getNumNulls();
                scorePages += offsets.getPageCount();
                scoreChunks++;
              }
            }
          }
        }
    }
    assertEquals(rows.size(), rowCount);
    assertTrue(scorePages > scoreChunks, "several pages per column chunk");
    assertTrue(dictionaryChunks > stringChunks / 2, dictionaryChunks + " of " + stringChunks
        + " string chunks with a dictionary");
    assertEquals(minX1, fileMin);
    assertEquals(maxX1, fileMax);
    assertEquals(rows.stream().filter(r -> r.isNullAt(3)).count(), nullScores);
  }

  @Test
  void rowGroupRowLimit() throws Exception {
    List<Row> rows = rows(100);
    String out = dir.resolve("row_limit").toString();
    spark.createDataFrame(rows, SCHEMA).coalesce(1).write()
        .format(FeatureParquetFormat.class.getName())
        .option("parquet.block.row.count.limit", 30).save(out);
    try (ParquetFileReader reader = open(parts(out).get(0))) {
      assertEquals(List.of(30L, 30L, 30L, 10L), reader.getFooter().getBlocks().stream()
          .map(BlockMetaData::getRowCount).toList());
    }
  }

  @Test
  void partitionedOutputAndEmptyPartitions() {
    List<Row> rows = rows(120);
    String out = dir.resolve("partitioned").toString();
    spark.createDataFrame(rows, SCHEMA).repartition(4).write()
        .format(FeatureParquetFormat.class.getName()).partitionBy("level").save(out);
    List<Row> got = spark.read().parquet(out).orderBy("roi_id").collectAsList();
    assertEquals(rows.size(), got.size());
    for (int i = 0; i < rows.size(); i++) {
      assertEquals(rows.get(i).getLong(1), got.get(i).getLong(1));
      assertArrayEquals((byte[]) rows.get(i).get(7), (byte[]) got.get(i).getAs("features"));
    }
    String empty = dir.resolve("empty").toString();
    String sparksEmpty = dir.resolve("sparks_empty").toString();
    spark.createDataFrame(List.of(), SCHEMA).write().format(FeatureParquetFormat.class.getName())
        .save(empty);
    spark.createDataFrame(List.of(), SCHEMA).write().parquet(sparksEmpty);
    Dataset<Row> e = spark.read().parquet(empty);
    assertEquals(spark.read().parquet(sparksEmpty).schema(), e.schema());
    assertEquals(0, e.count());
  }

  /** Local part files come without Hadoop's .crc sidecars unless asked for; Spark's have them. */
  @Test
  void localPartFilesWithoutCrcSidecarsUnlessAsked() throws Exception {
    List<Row> rows = rows(20);
    String plain = dir.resolve("no_crc").toString();
    String withCrc = dir.resolve("with_crc").toString();
    frame(rows).write().format(FeatureParquetFormat.class.getName()).save(plain);
    frame(rows).write().format(FeatureParquetFormat.class.getName())
        .option(PartFile.LOCAL_CHECKSUMS, "true").save(withCrc);
    assertEquals(List.of(), crcSidecars(plain));
    assertEquals(parts(withCrc).size(), crcSidecars(withCrc).size());
    assertEquals(rows.size(), spark.read().parquet(plain).count());
    assertEquals(rows.size(), spark.read().parquet(withCrc).count());
  }

  private static List<Path> crcSidecars(String output) throws Exception {
    try (Stream<Path> files = Files.list(Path.of(output))) {
      return files.filter(p -> p.toString().endsWith(".parquet.crc")).toList();
    }
  }

  @Test
  void otherSchemasAndSettingsGoToSparksWriter() {
    StructType schema = new StructType().add("id", DataTypes.LongType, false)
        .add("v", DataTypes.createArrayType(DataTypes.FloatType, true), false);
    Configuration conf = new Configuration();
    assertFalse(ParquetRowWriter.supports(schema, conf));
    assertTrue(ParquetRowWriter.supports(SCHEMA, conf));
    for (String[] setting : new String[][] {{"parquet.bloom.filter.enabled#image_id", "true"},
        {"parquet.writer.version", "v2"}, {"parquet.crypto.factory.class", "x.Factory"},
        {"parquet.enable.bytestreamsplit", "true"}}) {
      Configuration c = new Configuration();
      c.set(setting[0], setting[1]);
      assertFalse(ParquetRowWriter.supports(SCHEMA, c), setting[0]);
    }
    Configuration legacy = new Configuration();
    legacy.set("spark.sql.parquet.writeLegacyFormat", "true");
    assertTrue(ParquetRowWriter.supports(LIST_SCHEMA, conf));
    assertFalse(ParquetRowWriter.supports(LIST_SCHEMA, legacy), "legacy two-level lists");
    String out = dir.resolve("arrays").toString();
    spark.createDataFrame(List.of(RowFactory.create(1L, List.of(1f, 2f))), schema).write()
        .format(FeatureParquetFormat.class.getName()).save(out);
    Row r = spark.read().parquet(out).first();
    assertEquals(List.of(1f, 2f), r.getList(1));
  }
}
