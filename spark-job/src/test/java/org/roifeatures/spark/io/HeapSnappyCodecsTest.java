package org.roifeatures.spark.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.bytes.BytesInput;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.junit.jupiter.api.Test;

/**
 * A page header's uncompressed size is what the decompressors allocate: one larger than the page's
 * whole column chunk (as the footer states it) is refused before any allocation, for every codec.
 */
class HeapSnappyCodecsTest {

  @Test
  void aPageClaimingMoreThanItsChunkIsRefusedBeforeAllocating() {
    HeapSnappyCodecs codecs = new HeapSnappyCodecs(new Configuration());
    codecs.limitPages(5000);
    for (CompressionCodecName codec : new CompressionCodecName[] {CompressionCodecName.SNAPPY,
        CompressionCodecName.ZSTD, CompressionCodecName.GZIP, CompressionCodecName.UNCOMPRESSED}) {
      IOException e = assertThrows(IOException.class, () -> codecs.getDecompressor(codec)
          .decompress(BytesInput.from(new byte[16]), Integer.MAX_VALUE - 8), codec.name());
      assertTrue(e.getMessage().contains(String.valueOf(Integer.MAX_VALUE - 8))
          && e.getMessage().contains("5000"), e.getMessage());
    }
  }

  @Test
  void pagesWithinTheLimitDecompress() throws Exception {
    HeapSnappyCodecs codecs = new HeapSnappyCodecs(new Configuration());
    byte[] data = new byte[4000];
    for (int i = 0; i < data.length; i++) {
      data[i] = (byte) (i % 7);
    }
    codecs.limitPages(data.length);
    for (CompressionCodecName codec : new CompressionCodecName[] {CompressionCodecName.SNAPPY,
        CompressionCodecName.ZSTD, CompressionCodecName.GZIP}) {
      BytesInput packed = codecs.getCompressor(codec).compress(BytesInput.from(data));
      byte[] copy = packed.toByteArray();
      assertArrayEquals(data, codecs.getDecompressor(codec)
          .decompress(BytesInput.from(copy), data.length).toByteArray(), codec.name());
    }
  }
}
