package org.roifeatures.spark.parquet;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.parquet.bytes.BytesInput;
import org.apache.parquet.bytes.BytesUtils;
import org.apache.parquet.bytes.HeapByteBufferAllocator;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.Encoding;
import org.apache.parquet.column.page.DictionaryPage;
import org.apache.parquet.column.statistics.Statistics;
import org.apache.parquet.column.values.rle.RunLengthBitPackingHybridEncoder;
import org.apache.parquet.column.values.rle.RunLengthBitPackingHybridValuesWriter;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.io.api.Binary;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.util.ArrayData;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.unsafe.types.UTF8String;

/**
 * One column of the row group being written: PLAIN-encoded values of the open page, definition
 * levels when the column is nullable, and the finished (compressed) pages of the row group, which
 * are written when the row group is complete (Parquet stores a row group's column chunks one after
 * another, so every column but the last is held until then, as Parquet's own writer does).
 *
 * <p>Pages are data pages v1 with the encodings Spark's writer uses: PLAIN values (strings: dictionary
 * ids, PLAIN_DICTIONARY, while the chunk's dictionary stays under its page limit and pays off), RLE
 * definition levels (BIT_PACKED, i.e. none, when the column is required) and RLE repetition levels
 * for lists only. Values are copied once, straight from Spark's row into the page
 * ({@link PlainValues}).
 */
final class ColumnChunkBuffer {

  /**
   * The Spark types written here, by their Parquet physical type; FLOAT_LIST is
   * {@code array<float>} without null elements, in Parquet's standard three-level LIST layout.
   */
  enum Kind { INT32, INT64, FLOAT, DOUBLE, STRING, BINARY, FLOAT_LIST }

  private static final int INITIAL_PAGE_BYTES = 64 * 1024;

  /** A finished page: {@code compressedLength} bytes at the start of {@code bytes}. */
  private record FinishedPage(byte[] bytes, int compressedLength, int uncompressedLength, int rows,
      int valueCount, Statistics<?> statistics, Encoding values) {}

  private final ColumnDescriptor descriptor;
  private final Kind kind;
  private final int ordinal;
  private final boolean statisticsEnabled;
  private final int pageBytes;
  private final int pageRowLimit;
  private final PageCodec codec;
  private final ByteArrayPool pool;
  /** Definition levels of the open page; null for a required column and for lists. */
  private final RunLengthBitPackingHybridValuesWriter definitionLevels;
  /** Repetition and definition levels of the open page of a list column, else null. */
  private final LevelRuns listRepetition;
  private final LevelRuns listDefinition;
  private final List<FinishedPage> pages = new ArrayList<>();
  /** The chunk's dictionary (string columns with dictionary encoding enabled), else null. */
  private final StringDictionary dictionary;
  private final int dictionaryPageLimit;
  /** Whether this chunk's values still go to the dictionary (false after the fallback to PLAIN). */
  private boolean dictionaryOn;
  /** Whether a finished page of this chunk is dictionary encoded (the dictionary page is then due). */
  private boolean dictionaryUsed;
  /** Dictionary ids of the open page's non-null values. */
  private int[] pageIds;
  private int pageIdCount;

  private final PlainValues values;
  private int pageRows;
  /** Level entries of the open page: one per row, or per element (empty and null lists: one). */
  private int pageValues;
  private Statistics<?> pageStatistics;
  private long finishedBytes;
  private long chunkRows;
  private long chunkValues;

  /**
   * {@code dictionaryPageLimit}: the dictionary page size above which a string chunk falls back to
   * PLAIN, or 0 for no dictionary (as {@code parquet.dictionary.page.size} and
   * {@code parquet.enable.dictionary[#column]} in Parquet's writer).
   */
  ColumnChunkBuffer(ColumnDescriptor descriptor, Kind kind, int ordinal, boolean statisticsEnabled,
      int dictionaryPageLimit, int pageBytes, int pageRowLimit, PageCodec codec,
      ByteArrayPool pool) {
    this.descriptor = descriptor;
    this.kind = kind;
    this.ordinal = ordinal;
    this.statisticsEnabled = statisticsEnabled;
    this.pageBytes = pageBytes;
    this.pageRowLimit = pageRowLimit;
    this.codec = codec;
    this.pool = pool;
    boolean list = kind == Kind.FLOAT_LIST;
    if (list && (descriptor.getMaxRepetitionLevel() != 1 || descriptor.getPath().length != 3)) {
      throw new IllegalStateException("not a three-level list: " + descriptor);
    }
    this.definitionLevels = list || descriptor.getMaxDefinitionLevel() == 0 ? null
        : new RunLengthBitPackingHybridValuesWriter(1, 1024, pageBytes,
            HeapByteBufferAllocator.getInstance());
    this.listRepetition = list ? new LevelRuns() : null;
    this.listDefinition = list ? new LevelRuns() : null;
    this.values = new PlainValues(pool.take(INITIAL_PAGE_BYTES));
    this.pageStatistics = newStatistics();
    this.dictionaryPageLimit = dictionaryPageLimit;
    this.dictionary = kind == Kind.STRING && dictionaryPageLimit > 0 ? new StringDictionary() : null;
    this.dictionaryOn = dictionary != null;
    this.pageIds = dictionary != null ? new int[256] : null;
  }

  /** The kind a Spark type is written as, or null when this writer does not write it. */
  static Kind kindOf(DataType type) {
    if (type == DataTypes.IntegerType) {
      return Kind.INT32;
    } else if (type == DataTypes.LongType) {
      return Kind.INT64;
    } else if (type == DataTypes.FloatType) {
      return Kind.FLOAT;
    } else if (type == DataTypes.DoubleType) {
      return Kind.DOUBLE;
    } else if (type == DataTypes.StringType) {
      return Kind.STRING;
    } else if (type == DataTypes.BinaryType) {
      return Kind.BINARY;
    } else if (type instanceof ArrayType a && a.elementType() == DataTypes.FloatType
        && !a.containsNull()) {
      return Kind.FLOAT_LIST;
    }
    return null;
  }

  /** Appends this column's value of {@code row}; finishes the page when it is full. */
  void add(InternalRow row) throws IOException {
    if (listRepetition != null) {
      addList(row);
    } else if (row.isNullAt(ordinal)) {
      if (definitionLevels == null) {
        throw new IllegalArgumentException("null in required column " + descriptor.getPrimitiveType()
            .getName());
      }
      definitionLevels.writeInteger(0);
      if (statisticsEnabled) {
        pageStatistics.incrementNumNulls();
      }
    } else {
      if (definitionLevels != null) {
        definitionLevels.writeInteger(1);
      }
      appendValue(row);
    }
    if (listRepetition == null) {
      pageValues++;
    }
    pageRows++;
    if (values.length() >= pageBytes || pageRows >= pageRowLimit) {
      finishPage();
    }
  }

  /**
   * One row of a list column: repetition level 0 then 1 per further element; definition level the
   * maximum per element, one less for an empty list, 0 for a null one (an optional list). The
   * floats are copied in one piece ({@link PlainValues#putFloats}).
   */
  private void addList(InternalRow row) {
    int maxDefinition = descriptor.getMaxDefinitionLevel();
    listRepetition.add(0, 1);
    if (row.isNullAt(ordinal)) {
      if (maxDefinition < 2) {
        throw new IllegalArgumentException("null in required column " + descriptor.getPath()[0]);
      }
      listDefinition.add(0, 1);
      nullInStatistics();
      pageValues++;
      return;
    }
    ArrayData array = row.getArray(ordinal);
    int n = array.numElements();
    if (n == 0) {
      listDefinition.add(maxDefinition - 1, 1);
      nullInStatistics();
      pageValues++;
      return;
    }
    if (n > 1) {
      listRepetition.add(1, n - 1);
    }
    listDefinition.add(maxDefinition, n);
    int start = values.putFloats(array, n);
    if (statisticsEnabled) {
      for (int i = 0; i < n; i++) {
        pageStatistics.updateStats(values.floatAt(start + 4 * i));
      }
    }
    pageValues += n;
  }

  /** An empty or null list counts as a null of the element column, as in Parquet's writer. */
  private void nullInStatistics() {
    if (statisticsEnabled) {
      pageStatistics.incrementNumNulls();
    }
  }

  private void appendValue(InternalRow row) {
    switch (kind) {
      case INT32 -> {
        int v = row.getInt(ordinal);
        values.putInt(v);
        if (statisticsEnabled) {
          pageStatistics.updateStats(v);
        }
      }
      case FLOAT -> {
        float v = row.getFloat(ordinal);
        values.putInt(Float.floatToRawIntBits(v));
        if (statisticsEnabled) {
          pageStatistics.updateStats(v);
        }
      }
      case INT64 -> {
        long v = row.getLong(ordinal);
        values.putLong(v);
        if (statisticsEnabled) {
          pageStatistics.updateStats(v);
        }
      }
      case DOUBLE -> {
        double v = row.getDouble(ordinal);
        values.putLong(Double.doubleToRawLongBits(v));
        if (statisticsEnabled) {
          pageStatistics.updateStats(v);
        }
      }
      case STRING -> {
        UTF8String s = row.getUTF8String(ordinal);
        byteArrayInStatistics(values.putString(s));
        if (dictionaryOn) {
          addToDictionary(s);
        }
      }
      case BINARY -> byteArrayInStatistics(values.putBinary(row, ordinal));
      default -> throw new IllegalStateException(kind.name());
    }
  }

  private void addToDictionary(UTF8String s) {
    if (pageIdCount == pageIds.length) {
      pageIds = Arrays.copyOf(pageIds, 2 * pageIds.length);
    }
    pageIds[pageIdCount++] = dictionary.idOf(s);
    if (dictionary.bytes() > dictionaryPageLimit) {
      dictionaryOn = false; // too many distinct values: the rest of the chunk is PLAIN
    }
  }

  /**
   * The open page's values as dictionary ids (bit width, then RLE/bit-packed ids), or null when
   * they stay PLAIN: the dictionary is off, or (on the chunk's first page) would not be smaller.
   */
  private byte[] dictionaryEncodedValues() throws IOException {
    if (!dictionaryOn) {
      return null;
    }
    int width = BytesUtils.getWidthFromMaxInt(Math.max(0, dictionary.size() - 1));
    byte[] encoded;
    try (RunLengthBitPackingHybridEncoder ids = new RunLengthBitPackingHybridEncoder(width, 64,
        pageBytes, HeapByteBufferAllocator.getInstance())) {
      for (int i = 0; i < pageIdCount; i++) {
        ids.writeInt(pageIds[i]);
      }
      byte[] rle = ids.toBytes().toByteArray();
      encoded = new byte[1 + rle.length];
      encoded[0] = (byte) width;
      System.arraycopy(rle, 0, encoded, 1, rle.length);
    }
    if (!dictionaryUsed && dictionary.bytes() + encoded.length >= values.length()) {
      dictionaryOn = false; // as Parquet's writer: keep the dictionary only when it pays
      return null;
    }
    return encoded;
  }

  /** Adds the byte array value just appended (its bytes from {@code start}) to the statistics. */
  private void byteArrayInStatistics(int start) {
    if (statisticsEnabled) {
      pageStatistics.updateStats(Binary.fromReusedByteArray(values.bytes(), start,
          values.length() - start));
    }
  }

  /** Bytes this column holds for the row group: finished pages plus the open page. */
  long bufferedBytes() {
    return finishedBytes + values.length();
  }

  /** Encodes and compresses the open page (if it has rows) and starts a new one. */
  void finishPage() throws IOException {
    if (pageRows == 0) {
      return;
    }
    byte[] dictionaryIds = dictionaryEncodedValues();
    byte[] data = dictionaryIds != null ? dictionaryIds : values.bytes();
    int dataLength = dictionaryIds != null ? dictionaryIds.length : values.length();
    byte[] page;
    int pageLength;
    if (listRepetition != null) {
      page = withLevels(data, dataLength, listRepetition.encode(), listDefinition.encode());
      pageLength = page.length;
    } else if (definitionLevels == null) {
      page = data;
      pageLength = dataLength;
    } else {
      page = withLevels(data, dataLength, definitionLevels.getBytes().toByteArray());
      pageLength = page.length;
      definitionLevels.reset();
    }
    PageCodec.Page compressed = codec.compress(page, pageLength);
    if (compressed.bytes() == values.bytes()) {
      // The page kept the value array: the next page starts in another.
      values.restartIn(pool.take(values.bytes().length));
    } else {
      values.clear();
    }
    pages.add(new FinishedPage(compressed.bytes(), compressed.length(), pageLength, pageRows,
        pageValues, pageStatistics,
        dictionaryIds != null ? Encoding.PLAIN_DICTIONARY : Encoding.PLAIN));
    dictionaryUsed |= dictionaryIds != null;
    finishedBytes += compressed.length();
    chunkRows += pageRows;
    chunkValues += pageValues;
    pageRows = 0;
    pageValues = 0;
    pageIdCount = 0;
    pageStatistics = newStatistics();
  }

  /** A v1 data page: the level sections (each already length-prefixed) in order, then the data. */
  private static byte[] withLevels(byte[] data, int dataLength, byte[]... levels) {
    int at = 0;
    for (byte[] section : levels) {
      at += section.length;
    }
    byte[] page = new byte[at + dataLength];
    at = 0;
    for (byte[] section : levels) {
      System.arraycopy(section, 0, page, at, section.length);
      at += section.length;
    }
    System.arraycopy(data, 0, page, at, dataLength);
    return page;
  }

  /** Writes this column's chunk of the row group (after finishing its open page) and clears it. */
  void writeChunk(ParquetFileWriter file) throws IOException {
    finishPage();
    file.startColumn(descriptor, chunkValues, codec.name());
    if (dictionaryUsed) {
      // Written straight away: the dictionary's own array serves as the source (and, uncompressed,
      // as the page).
      PageCodec.Page d = codec.compress(dictionary.page(), dictionary.bytes());
      file.writeDictionaryPage(new DictionaryPage(BytesInput.from(d.bytes(), 0, d.length()),
          dictionary.bytes(), dictionary.size(), Encoding.PLAIN_DICTIONARY));
    }
    boolean list = listRepetition != null;
    Encoding repetition = list ? Encoding.RLE : Encoding.BIT_PACKED;
    Encoding definition = list || definitionLevels != null ? Encoding.RLE : Encoding.BIT_PACKED;
    for (FinishedPage p : pages) {
      file.writeDataPage(p.valueCount(), p.uncompressedLength(),
          BytesInput.from(p.bytes(), 0, p.compressedLength()), p.statistics(), p.rows(),
          repetition, definition, p.values());
      pool.give(p.bytes());
    }
    file.endColumn();
    pages.clear();
    finishedBytes = 0;
    chunkRows = 0;
    chunkValues = 0;
    if (dictionary != null) {
      dictionary.clear();
      dictionaryOn = true;
      dictionaryUsed = false;
    }
  }

  private Statistics<?> newStatistics() {
    // Without statistics a page passes empty ones: the chunk then has none and no column index
    // (ParquetFileWriter treats empty page statistics that way), as with Parquet's own writer.
    return statisticsEnabled ? Statistics.createStats(descriptor.getPrimitiveType())
        : Statistics.getBuilderForReading(descriptor.getPrimitiveType()).build();
  }
}
