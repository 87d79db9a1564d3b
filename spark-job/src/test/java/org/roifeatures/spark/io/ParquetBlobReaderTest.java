package org.roifeatures.spark.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.roifeatures.spark.SparkTestBase;

/**
 * Blobs read through the data column's offset index (one page per wanted row) equal what was
 * written, in any order, across row groups and within pages that hold several rows.
 */
class ParquetBlobReaderTest extends SparkTestBase {

  private static Path dir;
  private static final List<byte[]> BLOBS = new ArrayList<>();
  private static String file;
  /** Enough rows for Parquet's row-group size check (first made after 100 rows) to cut groups. */
  private static final int ROWS = 400;

  @BeforeAll
  static void write() throws Exception {
    dir = tempDir("blobs");
    Random r = new Random(5);
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < ROWS; i++) {
      // Sizes from 40 bytes to 60 KB: small ones share pages, large ones fill a page each.
      byte[] b = new byte[i % 3 == 0 ? 60_000 : 40 + 13 * i];
      r.nextBytes(b);
      BLOBS.add(b);
      rows.add(RowFactory.create("img" + i, b));
    }
    StructType schema = new StructType().add("image_id", DataTypes.StringType)
        .add("data", DataTypes.BinaryType);
    // Small row groups and pages, so that the file has several of each.
    spark.createDataFrame(rows, schema).coalesce(1).write().mode(SaveMode.Overwrite)
        .option("parquet.block.size", 1_000_000).option("parquet.page.row.count.limit", 3)
        .option("parquet.page.size.row.check.min", 1).option("parquet.page.size.row.check.max", 1)
        .option("parquet.enable.dictionary", "false").parquet(dir.resolve("maps").toString());
    File[] parts = dir.resolve("maps").toFile().listFiles((d, n) -> n.endsWith(".parquet"));
    file = parts[0].getPath();
  }

  @AfterAll
  static void cleanup() throws Exception {
    deleteTree(dir);
  }

  @Test
  void theFileHasSeveralRowGroupsAndOffsetIndexes() throws Exception {
    Configuration conf = new Configuration();
    try (ParquetFileReader r = ParquetFileReader.open(HadoopInputFile.fromPath(
        new org.apache.hadoop.fs.Path(file), conf))) {
      assertTrue(r.getRowGroups().size() > 1, "row groups: " + r.getRowGroups().size());
      ColumnChunkMetaData data = r.getRowGroups().get(0).getColumns().get(1);
      assertTrue(r.readOffsetIndex(data).getPageCount() > 1);
    }
  }

  /**
   * Every codec Spark writes, with dictionary pages too, reads back the same blobs: snappy through
   * {@link HeapSnappyCodecs}, the others through Parquet's own codecs. Half the blobs are mostly zeros,
   * so that snappy really compresses them.
   */
  @Test
  void everyCodecAndDictionaryPagesReadBack() throws Exception {
    Random r = new Random(9);
    List<byte[]> blobs = new ArrayList<>();
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      byte[] b = new byte[i % 2 == 0 ? 50_000 : 64 + i];
      for (int k = 0; k < b.length; k += i % 2 == 0 ? 7 : 1) {
        b[k] = (byte) r.nextInt();
      }
      if (i % 5 == 0 && i > 0) {
        b = blobs.get(0); // repeated values: dictionary-encoded when enabled
      }
      blobs.add(b);
      rows.add(RowFactory.create("img" + i, b));
    }
    StructType schema = new StructType().add("image_id", DataTypes.StringType)
        .add("data", DataTypes.BinaryType);
    for (String codec : List.of("snappy", "uncompressed", "gzip", "zstd", "lz4", "lz4_raw")) {
      for (String dictionary : List.of("false", "true")) {
        String out = dir.resolve("codec_" + codec + "_" + dictionary).toString();
        spark.createDataFrame(rows, schema).coalesce(1).write().mode(SaveMode.Overwrite)
            .option("compression", codec).option("parquet.enable.dictionary", dictionary)
            .option("parquet.page.row.count.limit", 4).option("parquet.page.size.row.check.min", 1)
            .option("parquet.page.size.row.check.max", 1).parquet(out);
        File[] parts = new File(out).listFiles((d, n) -> n.endsWith(".parquet"));
        try (ParquetBlobReader reader = new ParquetBlobReader(new Configuration(),
            parts[0].getPath())) {
          for (int row : new int[] {0, 1, 2, 29, 7, 8, 15, 3}) {
            assertArrayEquals(blobs.get(row), bytes(reader.read(row)), codec + " dictionary="
                + dictionary + " row " + row);
          }
        }
      }
    }
  }

  @Test
  void everyRowInAnyOrder() throws Exception {
    int[] order = {0, 1, 2, 3, 399, 5, 4, 4, 170, 169, 380, 0, 210, 211, 212, 213, 250, 100, 2, 1};
    try (ParquetBlobReader reader = new ParquetBlobReader(new Configuration(), file)) {
      for (int row : order) {
        assertArrayEquals(BLOBS.get(row), bytes(reader.read(row)), "row " + row);
      }
      for (int row = 0; row < BLOBS.size(); row++) {
        assertArrayEquals(BLOBS.get(row), bytes(reader.read(row)), "row " + row);
      }
    }
  }

  @Test
  void aRowBeyondTheFileNamesIt() throws Exception {
    try (ParquetBlobReader reader = new ParquetBlobReader(new Configuration(), file)) {
      java.io.IOException e = assertThrows(java.io.IOException.class, () -> reader.read(ROWS));
      assertTrue(e.getMessage().contains("row " + ROWS), e.getMessage());
      assertEquals(BLOBS.get(7).length, reader.read(7).remaining());
    }
  }

  /** The buffer's remaining bytes (it is a view of the page: its position must be honoured). */
  private static byte[] bytes(java.nio.ByteBuffer b) {
    byte[] out = new byte[b.remaining()];
    b.duplicate().get(out);
    return out;
  }
}
