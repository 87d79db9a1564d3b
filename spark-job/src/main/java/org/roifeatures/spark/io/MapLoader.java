package org.roifeatures.spark.io;

import java.io.DataInputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.roifeatures.ops.FeatureMap;
import org.roifeatures.spark.RejectReason;

/**
 * Loads feature maps inside a task, one at a time, from where the index says they live (or, for maps
 * given as rows, from the bytes their entry carries). Keeps the
 * current Parquet/Arrow file open between maps (the task visits maps sorted by file and row) and
 * closes everything in {@link #close()}. Not thread-safe: one per task.
 *
 * <p>A float16 {@code .npy} is widened to float32 as it is read; {@code maps.max.bytes} bounds the
 * widened (allocated) size. Nothing is allocated on a file's word alone: a map whose claimed C·H·W·4 bytes exceed {@code
 * maps.max.bytes}, or (for .npy) disagree with the file's length, is rejected first, so a corrupt
 * header costs one reject rather than an OutOfMemoryError that kills the task and the job.
 */
public final class MapLoader implements AutoCloseable {

  private final Configuration conf = new Configuration();
  private final long maxMapBytes;
  private final boolean verifyChecksums;
  private BufferAllocator allocator;
  private ParquetBlobReader parquet;
  private ArrowMapFiles.Reader arrow;
  /** The header of the last safetensors file read, and its path: one parse per image's file. */
  private SafetensorsFile.Header safetensorsHeader;
  private String safetensorsPath;

  /**
   * @param maxMapBytes     largest decoded map, C·H·W·4 bytes, this loader allocates
   * @param verifyChecksums whether Parquet pages that carry a CRC are verified
   */
  public MapLoader(long maxMapBytes, boolean verifyChecksums) {
    this.maxMapBytes = maxMapBytes;
    this.verifyChecksums = verifyChecksums;
  }

  /** The map described by {@code e}, in its layout, with its shape checked against its data. */
  public FeatureMap load(MapEntry e) throws MapLoadException {
    return load(e, null);
  }

  /**
   * As {@link #load(MapEntry)}, decoding Parquet and Arrow maps into {@code reuse} when it is long
   * enough (a caller recycles an earlier map's array it no longer reads; the map's {@link
   * FeatureMap#data()} is the array to pass next time).
   */
  public FeatureMap load(MapEntry e, float[] reuse) throws MapLoadException {
    long claimed = 4L * e.channels() * e.height() * e.width();
    if (claimed > maxMapBytes) {
      throw new MapLoadException(RejectReason.MAP_UNREADABLE, "map " + e.location() + " claims C*H*W*4 = "
          + e.channels() + "*" + e.height() + "*" + e.width() + "*4 = " + claimed + " bytes, more than "
          + "maps.max.bytes = " + maxMapBytes, null);
    }
    try {
      return switch (e.source()) {
        case "npy" -> loadNpy(e);
        case "safetensors" -> loadSafetensors(e);
        case "parquet" -> fromBlob(e, parquetReader(e.path()).read(e.row()), reuse);
        case "arrow" -> fromBlob(e, arrowReader(e.path()).data(e.batch(), e.row()), reuse);
        case MapRows.FORMAT -> fromRow(e, reuse);
        default -> throw new MapLoadException(RejectReason.MAP_UNREADABLE,
            "unknown map source " + e.source(), null);
      };
    } catch (MapLoadException ex) {
      throw ex;
    } catch (FileNotFoundException ex) {
      throw new MapLoadException(RejectReason.MAP_UNREADABLE, "map file not found: " + e.path(), ex);
    } catch (IOException | RuntimeException ex) {
      throw new MapLoadException(RejectReason.MAP_UNREADABLE,
          "cannot read map " + e.location() + ": " + ex.getMessage(), ex);
    }
  }

  /**
   * The header's shape must be the indexed one (which passed the size limit) and its bytes must be
   * exactly what the file holds after the header, before the data array is allocated.
   */
  private FeatureMap loadNpy(MapEntry e) throws IOException, MapLoadException {
    Path p = new Path(e.path());
    FileSystem fs = p.getFileSystem(conf);
    long fileLength = fs.getFileStatus(p).getLen();
    float[] data;
    try (FSDataInputStream raw = fs.open(p); DataInputStream in = new DataInputStream(raw)) {
      NpyArrays.Header header = NpyArrays.readHeaderInfo(in);
      long[] s = header.shape();
      long[] chw = NpyArrays.mapShape(s, e.channelsLast());
      if (chw == null || chw[0] != e.channels() || chw[1] != e.height() || chw[2] != e.width()) {
        throw new MapLoadException(RejectReason.BAD_MAP_SHAPE, e.path() + " changed shape since "
            + "it was indexed: " + Arrays.toString(s), null);
      }
      long need = (long) header.itemSize() * e.channels() * e.height() * e.width();
      long have = fileLength - raw.getPos();
      if (have < need) {
        throw new MapLoadException(RejectReason.MAP_UNREADABLE, e.path() + " is truncated: its "
            + "header's shape " + Arrays.toString(s) + " needs " + need + " data bytes, the file has "
            + have + " after its header", null);
      }
      // numpy never writes past the array: extra bytes mean the header's shape is not the data's,
      // and reading the first C*H*W floats would give a silently wrong map.
      if (have > need) {
        throw new MapLoadException(RejectReason.MAP_LENGTH_MISMATCH, e.path() + " has more data ("
            + have + " bytes) than its header's shape " + Arrays.toString(s) + " describes ("
            + need + ")", null);
      }
      data = NpyArrays.readData(in, s, header.itemSize());
    }
    return e.channelsLast() ? FeatureMap.hwc(data, e.channels(), e.height(), e.width())
        : FeatureMap.chw(data, e.channels(), e.height(), e.width());
  }

  /**
   * The tensor named by the entry's level, checked again against the file as it is now (offsets
   * within it, shape the indexed one) before its data is allocated; the current file's header is
   * kept for its other levels.
   */
  private FeatureMap loadSafetensors(MapEntry e) throws IOException, MapLoadException {
    Path p = new Path(e.path());
    FileSystem fs = p.getFileSystem(conf);
    try (FSDataInputStream in = fs.open(p)) {
      if (safetensorsHeader == null || !e.path().equals(safetensorsPath)) {
        safetensorsHeader = null;
        safetensorsHeader = SafetensorsFile.readHeader(in, fs.getFileStatus(p).getLen(), e.path());
        safetensorsPath = e.path();
      }
      SafetensorsFile.Tensor t = safetensorsHeader.tensors().get(e.level());
      if (t == null || t.problem() != null) {
        throw new MapLoadException(RejectReason.MAP_UNREADABLE, t == null ? e.path() + " has no "
            + "tensor '" + e.level() + "' any more" : t.problem(), null);
      }
      long[] chw = NpyArrays.mapShape(t.shape(), e.channelsLast());
      if (chw == null || chw[0] != e.channels() || chw[1] != e.height() || chw[2] != e.width()) {
        throw new MapLoadException(RejectReason.BAD_MAP_SHAPE, e.path() + " tensor '" + e.level()
            + "' changed shape since it was indexed: " + Arrays.toString(t.shape()), null);
      }
      float[] data = SafetensorsFile.readData(in, safetensorsHeader, t);
      return e.channelsLast() ? FeatureMap.hwc(data, e.channels(), e.height(), e.width())
          : FeatureMap.chw(data, e.channels(), e.height(), e.width());
    }
  }

  /** A map given as a row: its bytes came with its entry, checked as a Parquet map's blob is. */
  private static FeatureMap fromRow(MapEntry e, float[] reuse) throws MapLoadException {
    if (e.data() == null) {
      throw new MapLoadException(RejectReason.MAP_UNREADABLE, "map " + e.location()
          + " has no data (null)", null);
    }
    return fromBlob(e, ByteBuffer.wrap(e.data()), reuse);
  }

  private static FeatureMap fromBlob(MapEntry e, ByteBuffer blob, float[] reuse)
      throws MapLoadException {
    int item = MapDtype.itemSize(e.dtype());
    long expected = (long) item * e.channels() * e.height() * e.width();
    if (blob.remaining() != expected) {
      throw new MapLoadException(RejectReason.MAP_LENGTH_MISMATCH, "map " + e.location()
          + " has " + blob.remaining() + " data bytes, but C*H*W*" + item + " = " + e.channels()
          + "*" + e.height() + "*" + e.width() + "*" + item + " = " + expected
          + (item == 4 ? "" : " (dtype " + e.dtype() + ")"), null);
    }
    float[] data = MapDtype.decode(blob, e.dtype(), reuse);
    return e.channelsLast() ? FeatureMap.hwc(data, 0, e.channels(), e.height(), e.width())
        : FeatureMap.chw(data, 0, e.channels(), e.height(), e.width());
  }

  private ParquetBlobReader parquetReader(String path) throws IOException {
    if (parquet == null || !parquet.path().equals(path)) {
      if (parquet != null) {
        parquet.close();
      }
      parquet = new ParquetBlobReader(conf, path, verifyChecksums);
    }
    return parquet;
  }

  private ArrowMapFiles.Reader arrowReader(String path) throws IOException {
    if (arrow == null || !arrow.path().equals(path)) {
      if (arrow != null) {
        arrow.close();
        arrow = null;
      }
      if (allocator == null) {
        allocator = new RootAllocator();
      }
      arrow = new ArrowMapFiles.Reader(conf, path, allocator);
    }
    return arrow;
  }

  @Override
  public void close() {
    try {
      if (parquet != null) {
        parquet.close();
      }
      if (arrow != null) {
        arrow.close();
      }
    } catch (IOException ignored) {
      // Closing read-only files; nothing to recover.
    } finally {
      parquet = null;
      arrow = null;
      if (allocator != null) {
        allocator.close();
        allocator = null;
      }
    }
  }
}
