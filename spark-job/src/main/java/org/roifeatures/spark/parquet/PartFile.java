package org.roifeatures.spark.parquet;

import java.io.IOException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.hadoop.util.HadoopStreams;
import org.apache.parquet.io.OutputFile;
import org.apache.parquet.io.PositionOutputStream;

/**
 * The part file a {@link ParquetRowWriter} writes, created as Parquet's {@code HadoopOutputFile}
 * does, except that on a local file system ({@code file://}) it is written without Hadoop's
 * {@code .crc} sidecar file: Hadoop's local checksumming splits every write into 512-byte chunks,
 * each checksummed and written on its own, which cost a quarter of this writer's time. Parquet's page
 * checksums (CRC32 of every page, {@code parquet.page.write-checksum.enabled}) are still written, for
 * readers that check them ({@code parquet.page.verify-checksum.enabled}); without a {@code .crc} file
 * Hadoop's local reader simply does not check.
 * Set {@value #LOCAL_CHECKSUMS} to true to keep the sidecar. Other file systems are used as they are.
 */
final class PartFile implements OutputFile {

  /** Hadoop option: write {@code .crc} sidecar files for part files on a local file system. */
  static final String LOCAL_CHECKSUMS = "roifeatures.output.local.crc";

  private final FileSystem fs;
  private final Path path;
  private final int bufferBytes;

  PartFile(String path, Configuration conf) throws IOException {
    this.path = new Path(path);
    FileSystem fileSystem = this.path.getFileSystem(conf);
    if (fileSystem instanceof LocalFileSystem local && !conf.getBoolean(LOCAL_CHECKSUMS, false)) {
      fileSystem = local.getRawFileSystem();
    }
    this.fs = fileSystem;
    this.bufferBytes = conf.getInt("io.file.buffer.size", 4096);
  }

  @Override
  public PositionOutputStream create(long blockSizeHint) throws IOException {
    return open(false, blockSizeHint);
  }

  @Override
  public PositionOutputStream createOrOverwrite(long blockSizeHint) throws IOException {
    return open(true, blockSizeHint);
  }

  private PositionOutputStream open(boolean overwrite, long blockSizeHint) throws IOException {
    return HadoopStreams.wrap(fs.create(path, overwrite, bufferBytes, fs.getDefaultReplication(path),
        Math.max(fs.getDefaultBlockSize(path), blockSizeHint)));
  }

  @Override
  public boolean supportsBlockSize() {
    // Row-group padding to block boundaries matters where blocks are distributed (as Parquet's).
    String scheme = fs.getUri().getScheme();
    return scheme.equals("hdfs") || scheme.equals("webhdfs") || scheme.equals("viewfs");
  }

  @Override
  public long defaultBlockSize() {
    return fs.getDefaultBlockSize(path);
  }

  @Override
  public String getPath() {
    return path.toString();
  }
}
