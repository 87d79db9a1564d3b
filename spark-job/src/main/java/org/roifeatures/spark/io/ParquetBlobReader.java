package org.roifeatures.spark.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.HadoopReadOptions;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.convert.GroupRecordConverter;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.filter2.compat.FilterCompat;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.internal.column.columnindex.OffsetIndex;
import org.apache.parquet.internal.filter2.columnindex.RowRanges;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.parquet.io.ParquetDecodingException;
import org.apache.parquet.io.ColumnIOFactory;
import org.apache.parquet.io.MessageColumnIO;
import org.apache.parquet.io.RecordReader;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.Type;

/**
 * Reads the {@code data} blob of chosen rows of one Parquet file, reading only that column and only
 * the pages that hold the wanted rows: the column's offset index (written by default since Parquet
 * 1.11) says where each page starts, so a task that wants 1 of a row group's 10 maps reads and
 * decompresses one page, not ten. A task that sees a file's rows in increasing order (the job sorts
 * its images by file and row) keeps reading a page it is in. Files without an offset index are read
 * row group by row group, decoding the rows before the wanted one; there an earlier row reopens the
 * file.
 *
 * <p>Pages that carry a CRC (parquet-mr writes one by default) are verified when asked to: a bit
 * flipped on disk then fails the read, naming the file, column and page, instead of decoding into a
 * silently wrong map.
 */
final class ParquetBlobReader implements AutoCloseable {

  private final Configuration conf;
  private final String path;
  private final boolean verifyChecksums;
  private ParquetFileReader reader;
  private MessageColumnIO columnIO;
  private MessageType projection;
  private long[] groupStart;
  private int group;
  private RecordReader<Group> records;
  private long nextRow;
  /** Whether {@link #records} reads one page (offset index) rather than a whole row group. */
  private boolean pageMode;
  private int openPage = -1;
  private int indexedGroup = -1;
  private OffsetIndex groupIndex;

  /** A reader that verifies page CRCs. */
  ParquetBlobReader(Configuration conf, String path) {
    this(conf, path, true);
  }

  ParquetBlobReader(Configuration conf, String path, boolean verifyChecksums) {
    this.conf = conf;
    this.path = path;
    this.verifyChecksums = verifyChecksums;
  }

  String path() {
    return path;
  }

  /**
   * The blob at {@code row}, a view of the decompressed page (valid until the next read; not copied
   * to a byte array: maps are megabytes); throws naming the file and row when it is missing or null.
   */
  ByteBuffer read(long row) throws IOException {
    if (reader == null) {
      open();
    }
    int target = groupOf(row);
    OffsetIndex pageIndex = offsetIndex(target);
    if (pageIndex != null) {
      return readFromPage(target, pageIndex, row);
    }
    if (row < nextRow || pageMode) {
      open();
    }
    while (group < target) {
      if (group + 1 < target) {
        reader.skipNextRowGroup();
        group++;
        records = null;
      } else {
        PageReadStore pages = checked(group + 1, reader::readNextRowGroup);
        group++;
        if (pages == null) {
          throw new IOException(path + " ends before row group " + group);
        }
        records = columnIO.getRecordReader(pages, new GroupRecordConverter(projection));
        nextRow = groupStart[group];
      }
    }
    return readRecordAt(row);
  }

  /** The data column's offset index in row group {@code g}, or null when the file has none. */
  private OffsetIndex offsetIndex(int g) throws IOException {
    if (g == indexedGroup) {
      return groupIndex;
    }
    ColumnChunkMetaData chunk = dataChunk(g);
    groupIndex = chunk == null ? null : reader.readOffsetIndex(chunk);
    indexedGroup = g;
    return groupIndex;
  }

  /**
   * Reads {@code row} from the one page of row group {@code g} that holds it, continuing in the page
   * already open when the row lies ahead in it.
   */
  private ByteBuffer readFromPage(int g, OffsetIndex pages, long row) throws IOException {
    long local = row - groupStart[g];
    int page = 0;
    while (page + 1 < pages.getPageCount() && pages.getFirstRowIndex(page + 1) <= local) {
      page++;
    }
    if (!(pageMode && g == group && page == openPage && row >= nextRow)) {
      long rowsInGroup = groupStart[g + 1] - groupStart[g];
      int wanted = page;
      PageReadStore store = checked(g, () -> reader.readFilteredRowGroup(g,
          RowRanges.create(rowsInGroup, java.util.stream.IntStream.of(wanted).iterator(), pages)));
      records = columnIO.getRecordReader(store, new GroupRecordConverter(projection),
          FilterCompat.NOOP);
      pageMode = true;
      group = g;
      openPage = page;
      nextRow = groupStart[g] + pages.getFirstRowIndex(page);
    }
    return readRecordAt(row);
  }

  /** Reads pages of row group {@code g} (the only step that verifies CRCs). */
  private interface PageRead {
    PageReadStore read() throws IOException;
  }

  /**
   * {@code read}, with a failure of row group {@code g} replaced by one naming the page whose CRC
   * does not match, when that is what went wrong.
   */
  private PageReadStore checked(int g, PageRead read) throws IOException {
    try {
      return read.read();
    } catch (IOException | ParquetDecodingException e) {
      ColumnChunkMetaData chunk = verifyChecksums ? dataChunk(g) : null;
      String mismatch = chunk == null ? null : PageChecksums.firstMismatch(conf, path, chunk);
      if (mismatch != null) {
        throw new IOException(mismatch, e);
      }
      throw e;
    }
  }

  /** Advances the open record reader to {@code row} and returns its blob. */
  private ByteBuffer readRecordAt(long row) throws IOException {
    while (nextRow < row) {
      records.read();
      nextRow++;
    }
    Group g = records.read();
    nextRow++;
    if (g.getFieldRepetitionCount(0) == 0) {
      throw new IOException("data is null at row " + row + " of " + path);
    }
    return g.getBinary(0, 0).toByteBuffer();
  }

  /** The data column's chunk in row group {@code g}, or null. */
  private ColumnChunkMetaData dataChunk(int g) {
    ColumnChunkMetaData chunk = null;
    for (ColumnChunkMetaData c : reader.getRowGroups().get(g).getColumns()) {
      if (c.getPath().toDotString().equals("data")) {
        chunk = c;
      }
    }
    return chunk;
  }

  private int groupOf(long row) throws IOException {
    for (int g = groupStart.length - 2; g >= 0; g--) {
      if (row >= groupStart[g]) {
        if (row >= groupStart[g + 1]) {
          break;
        }
        return g;
      }
    }
    throw new IOException("row " + row + " is beyond the " + groupStart[groupStart.length - 1]
        + " rows of " + path);
  }

  private void open() throws IOException {
    close();
    Path file = new Path(path);
    HeapSnappyCodecs codecs = new HeapSnappyCodecs(conf);
    reader = ParquetFileReader.open(HadoopInputFile.fromPath(file, conf),
        HadoopReadOptions.builder(conf, file).withCodecFactory(codecs)
            .usePageChecksumVerification(verifyChecksums).build());
    long largestChunk = 0;
    for (BlockMetaData b : reader.getRowGroups()) {
      for (ColumnChunkMetaData c : b.getColumns()) {
        largestChunk = Math.max(largestChunk, c.getTotalUncompressedSize());
      }
    }
    codecs.limitPages(largestChunk);
    MessageType schema = reader.getFooter().getFileMetaData().getSchema();
    if (!schema.containsField("data")) {
      throw new IOException(path + " has no 'data' column");
    }
    Type data = schema.getType("data");
    projection = new MessageType(schema.getName(), data);
    reader.setRequestedSchema(projection);
    columnIO = new ColumnIOFactory().getColumnIO(projection, schema);
    var blocks = reader.getRowGroups();
    groupStart = new long[blocks.size() + 1];
    for (int i = 0; i < blocks.size(); i++) {
      BlockMetaData b = blocks.get(i);
      groupStart[i + 1] = groupStart[i] + b.getRowCount();
    }
    group = -1;
    records = null;
    nextRow = 0;
    pageMode = false;
    openPage = -1;
    indexedGroup = -1;
    groupIndex = null;
  }

  @Override
  public void close() throws IOException {
    if (reader != null) {
      reader.close();
      reader = null;
    }
  }
}
