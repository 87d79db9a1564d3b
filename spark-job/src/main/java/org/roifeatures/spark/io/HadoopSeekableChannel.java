package org.roifeatures.spark.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.NonWritableChannelException;
import java.nio.channels.SeekableByteChannel;
import org.apache.hadoop.fs.FSDataInputStream;

/** A read-only {@link SeekableByteChannel} over a Hadoop stream, so Arrow can seek in any file system. */
final class HadoopSeekableChannel implements SeekableByteChannel {

  private final FSDataInputStream in;
  private final long size;
  private boolean open = true;

  HadoopSeekableChannel(FSDataInputStream in, long size) {
    this.in = in;
    this.size = size;
  }

  @Override
  public int read(ByteBuffer dst) throws IOException {
    int want = dst.remaining();
    if (want == 0) {
      return 0;
    }
    byte[] buf = new byte[Math.min(want, 1 << 20)];
    int n = in.read(buf, 0, buf.length);
    if (n > 0) {
      dst.put(buf, 0, n);
    }
    return n;
  }

  @Override
  public int write(ByteBuffer src) {
    throw new NonWritableChannelException();
  }

  @Override
  public long position() throws IOException {
    return in.getPos();
  }

  @Override
  public SeekableByteChannel position(long newPosition) throws IOException {
    in.seek(newPosition);
    return this;
  }

  @Override
  public long size() {
    return size;
  }

  @Override
  public SeekableByteChannel truncate(long s) {
    throw new NonWritableChannelException();
  }

  @Override
  public boolean isOpen() {
    return open;
  }

  @Override
  public void close() throws IOException {
    open = false;
    in.close();
  }
}
