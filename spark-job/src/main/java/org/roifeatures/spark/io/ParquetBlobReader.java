package org.roifeatures.spark.io;

import java.io.IOException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.convert.GroupRecordConverter;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.parquet.io.ColumnIOFactory;
import org.apache.parquet.io.MessageColumnIO;
import org.apache.parquet.io.RecordReader;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.Type;

/**
 * Reads the {@code data} blob of chosen rows of one Parquet file, reading only that column and
 * skipping row groups that hold none of the wanted rows. Rows must be asked for in increasing order
 * for one forward pass (the task sorts its images by file and row); an earlier row reopens the file.
 */
final class ParquetBlobReader implements AutoCloseable {

  private final Configuration conf;
  private final String path;
  private ParquetFileReader reader;
  private MessageColumnIO columnIO;
  private MessageType projection;
  private long[] groupStart;
  private int group;
  private RecordReader<Group> records;
  private long nextRow;

  ParquetBlobReader(Configuration conf, String path) {
    this.conf = conf;
    this.path = path;
  }

  String path() {
    return path;
  }

  /** The blob at {@code row}; throws naming the file and row when it is missing or null. */
  byte[] read(long row) throws IOException {
    if (reader == null || row < nextRow) {
      open();
    }
    int target = groupOf(row);
    while (group < target) {
      if (group + 1 < target) {
        reader.skipNextRowGroup();
        group++;
        records = null;
      } else {
        PageReadStore pages = reader.readNextRowGroup();
        group++;
        if (pages == null) {
          throw new IOException(path + " ends before row group " + group);
        }
        records = columnIO.getRecordReader(pages, new GroupRecordConverter(projection));
        nextRow = groupStart[group];
      }
    }
    while (nextRow < row) {
      records.read();
      nextRow++;
    }
    Group g = records.read();
    nextRow++;
    if (g.getFieldRepetitionCount(0) == 0) {
      throw new IOException("data is null at row " + row + " of " + path);
    }
    return g.getBinary(0, 0).getBytes();
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
    reader = ParquetFileReader.open(HadoopInputFile.fromPath(new Path(path), conf));
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
  }

  @Override
  public void close() throws IOException {
    if (reader != null) {
      reader.close();
      reader = null;
    }
  }
}
