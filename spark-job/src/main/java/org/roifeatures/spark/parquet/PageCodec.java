package org.roifeatures.spark.parquet;

import java.io.IOException;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.bytes.BytesInput;
import org.apache.parquet.compression.CompressionCodecFactory.BytesInputCompressor;
import org.apache.parquet.hadoop.CodecFactory;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.xerial.snappy.Snappy;

/**
 * Compresses finished pages. Snappy (Spark's default) calls snappy-java on the page's heap bytes into
 * a recycled heap array; Parquet's own path streams each page through a Hadoop codec with direct
 * buffers and copies it three times. Uncompressed pages are handed over as they are. Every other codec
 * goes through Parquet's codec factory, so every codec Spark writes is written the same way.
 */
final class PageCodec implements AutoCloseable {

  /** A finished page: {@code length} bytes at the start of {@code bytes}, which may be longer. */
  record Page(byte[] bytes, int length) {}

  private final CompressionCodecName name;
  private final ByteArrayPool pool;
  private final CodecFactory factory;
  private final BytesInputCompressor compressor;

  PageCodec(CompressionCodecName name, Configuration conf, int pageSize, ByteArrayPool pool) {
    this.name = name;
    this.pool = pool;
    if (name == CompressionCodecName.UNCOMPRESSED || name == CompressionCodecName.SNAPPY) {
      factory = null;
      compressor = null;
    } else {
      factory = new CodecFactory(conf, pageSize);
      compressor = factory.getCompressor(name);
    }
  }

  CompressionCodecName name() {
    return name;
  }

  /**
   * The compressed form of {@code src[0, length)}. Uncompressed, the page is {@code src} itself, which
   * the caller must then not reuse; otherwise a fresh or pooled array.
   */
  Page compress(byte[] src, int length) throws IOException {
    switch (name) {
      case UNCOMPRESSED:
        return new Page(src, length);
      case SNAPPY: {
        byte[] dst = pool.take(Snappy.maxCompressedLength(length));
        return new Page(dst, Snappy.compress(src, 0, length, dst, 0));
      }
      default: {
        byte[] out = compressor.compress(BytesInput.from(src, 0, length)).toByteArray();
        return new Page(out, out.length);
      }
    }
  }

  @Override
  public void close() {
    if (factory != null) {
      factory.release();
    }
  }
}
