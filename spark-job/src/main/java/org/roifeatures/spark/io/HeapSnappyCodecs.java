package org.roifeatures.spark.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.bytes.BytesInput;
import org.apache.parquet.compression.CompressionCodecFactory;
import org.apache.parquet.hadoop.CodecFactory;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.xerial.snappy.Snappy;

/**
 * Parquet codecs for reading map pages: snappy pages (Spark's default codec) are decompressed from
 * the page's heap bytes straight into one new array by snappy-java; every other codec is Parquet's
 * own. Parquet's default snappy path goes through Hadoop's stream API, which copies each page into a
 * fresh, zeroed direct buffer, decompresses into another and copies the result out again: for pages
 * that each hold a multi-megabyte map, those copies and the fresh memory cost more than the snappy
 * decompression itself.
 */
final class HeapSnappyCodecs implements CompressionCodecFactory {

  private final CodecFactory parquet;

  HeapSnappyCodecs(Configuration conf) {
    this.parquet = new CodecFactory(conf, 0);
  }

  @Override
  public BytesInputCompressor getCompressor(CompressionCodecName codec) {
    return parquet.getCompressor(codec);
  }

  /**
   * Refuses, before allocating, pages whose header claims more than {@code maxBytes} uncompressed:
   * the decompressors allocate what the header says, and no page can be larger than its column
   * chunk, whose size the footer states.
   */
  void limitPages(long maxBytes) {
    maxPageBytes = maxBytes;
  }

  private long maxPageBytes = Integer.MAX_VALUE;

  @Override
  public BytesInputDecompressor getDecompressor(CompressionCodecName codec) {
    BytesInputDecompressor d = codec == CompressionCodecName.SNAPPY ? SNAPPY
        : parquet.getDecompressor(codec);
    return new BytesInputDecompressor() {
      @Override
      public BytesInput decompress(BytesInput bytes, int uncompressedSize) throws IOException {
        check(uncompressedSize);
        return d.decompress(bytes, uncompressedSize);
      }

      @Override
      public void decompress(ByteBuffer input, int compressedSize, ByteBuffer output,
          int uncompressedSize) throws IOException {
        check(uncompressedSize);
        d.decompress(input, compressedSize, output, uncompressedSize);
      }

      @Override
      public void release() {
        d.release();
      }
    };
  }

  private void check(int uncompressedSize) throws IOException {
    if (uncompressedSize < 0 || uncompressedSize > maxPageBytes) {
      throw new IOException("a page header claims " + uncompressedSize + " uncompressed bytes, more "
          + "than its whole column chunk may hold (" + maxPageBytes + " by the footer)");
    }
  }

  @Override
  public void release() {
    parquet.release();
  }

  private static final BytesInputDecompressor SNAPPY = new BytesInputDecompressor() {
    @Override
    public BytesInput decompress(BytesInput bytes, int uncompressedSize) throws IOException {
      ByteBuffer in = bytes.toByteBuffer();
      byte[] src;
      int offset;
      if (in.hasArray()) {
        src = in.array();
        offset = in.arrayOffset() + in.position();
      } else {
        src = new byte[in.remaining()];
        in.duplicate().get(src);
        offset = 0;
      }
      // The page header's size is allocated below: a corrupt header must not get to ask for
      // gigabytes, so it has to agree with the length the snappy data itself starts with.
      int stated = Snappy.uncompressedLength(src, offset, in.remaining());
      if (stated != uncompressedSize) {
        throw new IOException("snappy page holds " + stated + " bytes, the page header says "
            + uncompressedSize);
      }
      byte[] out = new byte[uncompressedSize];
      int n = Snappy.uncompress(src, offset, in.remaining(), out, 0);
      if (n != uncompressedSize) {
        throw new IOException("snappy page decompressed to " + n + " bytes, the page header says "
            + uncompressedSize);
      }
      return BytesInput.from(out);
    }

    @Override
    public void decompress(ByteBuffer input, int compressedSize, ByteBuffer output,
        int uncompressedSize) throws IOException {
      // Not used by the page reader on heap buffers: the same decompression, then one copy out.
      ByteBuffer in = input.duplicate();
      in.limit(in.position() + compressedSize);
      output.put(decompress(BytesInput.from(in), uncompressedSize).toByteBuffer());
    }

    @Override
    public void release() {}
  };
}
