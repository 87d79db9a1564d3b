package org.roifeatures.spark.io;

import java.io.IOException;
import java.util.zip.CRC32;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.format.PageHeader;
import org.apache.parquet.format.Util;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.parquet.io.SeekableInputStream;

/**
 * Names the page of a column chunk whose stored CRC does not match its bytes. Parquet's reader
 * verifies page CRCs as it reads (the spec's CRC32 of the page's compressed bytes, i.e. everything
 * after the page header, for data and dictionary pages alike) but only says that some page failed;
 * this walks the chunk's page headers again to say which one. Called only after a read failed, so
 * reading the chunk twice costs nothing on the normal path.
 */
final class PageChecksums {

  private PageChecksums() {}

  /**
   * "page CRC mismatch in FILE, column C, page at offset N" for the first page of {@code chunk}
   * whose CRC is set and wrong, or null when every page checks out or the chunk cannot be walked
   * (then the original failure stands).
   */
  static String firstMismatch(Configuration conf, String path, ColumnChunkMetaData chunk) {
    String column = chunk.getPath().toDotString();
    long end = chunk.getStartingPos() + chunk.getTotalSize();
    byte[] buf = new byte[1 << 16];
    try (SeekableInputStream in = HadoopInputFile.fromPath(new Path(path), conf).newStream()) {
      long pageStart = chunk.getStartingPos();
      while (pageStart < end) {
        in.seek(pageStart);
        PageHeader header = Util.readPageHeader(in);
        int size = header.getCompressed_page_size();
        long next = in.getPos() + size;
        if (size < 0 || next > end) {
          return null; // a broken header: not a CRC finding; Parquet's own error says more
        }
        if (header.isSetCrc()) {
          CRC32 crc = new CRC32();
          for (int left = size; left > 0; ) {
            int n = Math.min(left, buf.length);
            in.readFully(buf, 0, n);
            crc.update(buf, 0, n);
            left -= n;
          }
          if ((int) crc.getValue() != header.getCrc()) {
            return "page CRC mismatch in " + path + ", column " + column + ", page at offset "
                + pageStart;
          }
        }
        pageStart = next;
      }
    } catch (IOException | RuntimeException e) {
      return null;
    }
    return null;
  }
}
