package org.roifeatures.spark.io;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VarBinaryVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowFileReader;
import org.apache.arrow.vector.ipc.ArrowFileWriter;
import org.apache.arrow.vector.ipc.ArrowStreamReader;
import org.apache.arrow.vector.ipc.SeekableReadChannel;
import org.apache.arrow.vector.ipc.message.ArrowBlock;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;
import org.apache.arrow.vector.util.Text;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Feature maps in Arrow IPC files (Feather v2): one row per (image, level) with the same columns as
 * the Parquet input ({@code image_id, level, channels, height, width, spatial_scale | stride, data}).
 * Integer columns may be any Arrow integer width and scales any float width, as pyarrow writes them.
 */
public final class ArrowMapFiles {

  private ArrowMapFiles() {}

  /** One map to write. */
  public record MapRecord(String imageId, String level, int channels, int height, int width,
      double spatialScale, byte[] data) {}

  static SeekableReadChannel open(Configuration conf, String file) throws IOException {
    Path p = new Path(file);
    FileSystem fs = p.getFileSystem(conf);
    long size = fs.getFileStatus(p).getLen();
    return new SeekableReadChannel(new HadoopSeekableChannel(fs.open(p), size));
  }

  /**
   * Refuses a record batch whose footer entry places it beyond the end of the file: Arrow allocates
   * a batch's whole body, as long as the footer claims, before reading it.
   */
  static void checkBlock(ArrowBlock block, int index, long fileSize, String file) throws IOException {
    long end = block.getOffset() + block.getMetadataLength() + block.getBodyLength();
    if (block.getOffset() < 0 || block.getMetadataLength() < 0 || block.getBodyLength() < 0
        || end > fileSize || end < 0) {
      throw new IOException("record batch " + index + " of " + file + " claims bytes "
          + block.getOffset() + " to " + end + ", beyond the file's " + fileSize + " bytes");
    }
  }

  /** Index entries of every row of one Arrow file (data is read but not kept). */
  static List<Object[]> index(Configuration conf, String file, BufferAllocator allocator) {
    List<Object[]> out = new ArrayList<>();
    try (SeekableReadChannel channel = open(conf, file);
        ArrowFileReader reader = new ArrowFileReader(channel, allocator)) {
      List<ArrowBlock> blocks = reader.getRecordBlocks();
      for (int b = 0; b < blocks.size(); b++) {
        checkBlock(blocks.get(b), b, channel.size(), file);
        reader.loadRecordBatch(blocks.get(b));
        VectorSchemaRoot root = reader.getVectorSchemaRoot();
        FieldVector image = root.getVector("image_id");
        if (image == null) {
          throw new IOException("no image_id column");
        }
        FieldVector level = root.getVector("level");
        FieldVector c = root.getVector("channels");
        FieldVector h = root.getVector("height");
        FieldVector w = root.getVector("width");
        FieldVector scale = root.getVector("spatial_scale");
        FieldVector stride = root.getVector("stride");
        FieldVector data = root.getVector("data");
        FieldVector dtypes = root.getVector("dtype");
        for (int r = 0; r < root.getRowCount(); r++) {
          Object id = image.getObject(r);
          String problem = null;
          long cc = number(c, r);
          long hh = number(h, r);
          long ww = number(w, r);
          String given = dtypes == null || dtypes.isNull(r) ? null : dtypes.getObject(r).toString();
          String dtype = MapDtype.canonical(given);
          if (data == null) {
            problem = "no data column";
          } else if (dtype == null) {
            problem = "unreadable map: dtype '" + given + "' is not float32, float16 or bfloat16";
          } else {
            problem = ShapeCheck.problem(cc, hh, ww);
          }
          double s = Double.NaN;
          if (scale != null && !scale.isNull(r)) {
            s = ((Number) scale.getObject(r)).doubleValue();
          } else if (stride != null && !stride.isNull(r)) {
            s = 1.0 / ((Number) stride.getObject(r)).doubleValue();
          }
          Object lv = level == null ? null : level.getObject(r);
          out.add(new Object[] {id == null ? null : id.toString(), lv == null ? "" : lv.toString(),
              b, (long) r, ShapeCheck.toInt(cc), ShapeCheck.toInt(hh), ShapeCheck.toInt(ww), s,
              problem, dtype == null ? MapDtype.FLOAT32 : dtype});
        }
      }
    } catch (IOException | RuntimeException e) {
      // The file cannot be used. The images of the batches still readable from its front (a file cut
      // short keeps them) get an entry saying so; one entry without an image stands for the rest,
      // which cannot be known.
      String problem = "unreadable Arrow file " + file + ": " + e.getMessage();
      out.clear();
      for (Object[] salvaged : salvage(conf, file, allocator)) {
        out.add(new Object[] {salvaged[0], salvaged[1], salvaged[2], salvaged[3], -1, -1, -1,
            Double.NaN, problem});
      }
      out.add(new Object[] {null, "", -1, -1L, -1, -1, -1, Double.NaN, problem});
    }
    return out;
  }

  /**
   * (image_id, level, batch, row) of the record batches that can be read as an IPC stream from the
   * front of a damaged file, up to the damage. Only when the file starts with the Arrow magic: the
   * stream's message lengths are then real, not garbage that could ask for a huge allocation.
   */
  private static List<Object[]> salvage(Configuration conf, String file, BufferAllocator allocator) {
    List<Object[]> ids = new ArrayList<>();
    Path p = new Path(file);
    try (InputStream in = p.getFileSystem(conf).open(p)) {
      byte[] magic = in.readNBytes(8); // "ARROW1" and 2 bytes of padding, then the stream
      if (magic.length < 8 || !new String(magic, 0, 6, StandardCharsets.US_ASCII).equals("ARROW1")) {
        return ids;
      }
      try (ArrowStreamReader reader = new ArrowStreamReader(in, allocator)) {
        for (int b = 0; reader.loadNextBatch(); b++) {
          VectorSchemaRoot root = reader.getVectorSchemaRoot();
          FieldVector image = root.getVector("image_id");
          FieldVector level = root.getVector("level");
          for (int r = 0; image != null && r < root.getRowCount(); r++) {
            Object id = image.getObject(r);
            Object lv = level == null ? null : level.getObject(r);
            if (id != null) {
              ids.add(new Object[] {id.toString(), lv == null ? "" : lv.toString(), b, (long) r});
            }
          }
        }
      }
    } catch (IOException | RuntimeException e) {
      // Reached the damage: what was read so far stands.
    }
    return ids;
  }

  private static long number(FieldVector v, int row) {
    if (v == null || v.isNull(row)) {
      return -1;
    }
    return ((Number) v.getObject(row)).longValue();
  }

  /** Keeps one Arrow file open and loads maps from it by (batch, row). */
  static final class Reader implements AutoCloseable {
    private final String path;
    private final ArrowFileReader reader;
    private final List<ArrowBlock> blocks;
    private final long fileSize;
    private int loaded = -1;

    Reader(Configuration conf, String path, BufferAllocator allocator) throws IOException {
      this.path = path;
      SeekableReadChannel channel = open(conf, path);
      this.fileSize = channel.size();
      this.reader = new ArrowFileReader(channel, allocator);
      this.blocks = reader.getRecordBlocks();
    }

    String path() {
      return path;
    }

    /**
     * The blob at (batch, row): for {@code binary} columns a view of the loaded batch's Arrow buffer
     * (valid until the next batch is loaded; maps are megabytes, so not copied), else a copy.
     */
    ByteBuffer data(int batch, long row) throws IOException {
      if (batch < 0 || batch >= blocks.size()) {
        throw new IOException(path + " has no record batch " + batch);
      }
      if (loaded != batch) {
        checkBlock(blocks.get(batch), batch, fileSize, path);
        reader.loadRecordBatch(blocks.get(batch));
        loaded = batch;
      }
      FieldVector data = reader.getVectorSchemaRoot().getVector("data");
      if (data == null || row >= data.getValueCount() || data.isNull((int) row)) {
        throw new IOException("data is missing at batch " + batch + " row " + row + " of " + path);
      }
      if (data instanceof VarBinaryVector binary) {
        long start = binary.getOffsetBuffer().getInt(row * VarBinaryVector.OFFSET_WIDTH);
        long end = binary.getOffsetBuffer().getInt((row + 1) * VarBinaryVector.OFFSET_WIDTH);
        return binary.getDataBuffer().nioBuffer(start, (int) (end - start));
      }
      return ByteBuffer.wrap((byte[]) data.getObject((int) row));
    }

    @Override
    public void close() throws IOException {
      reader.close();
    }
  }

  /** The Arrow schema this project writes (and reads, among others). */
  public static Schema schema() {
    return new Schema(List.of(
        new Field("image_id", FieldType.notNullable(new ArrowType.Utf8()), null),
        new Field("level", FieldType.nullable(new ArrowType.Utf8()), null),
        new Field("channels", FieldType.notNullable(new ArrowType.Int(32, true)), null),
        new Field("height", FieldType.notNullable(new ArrowType.Int(32, true)), null),
        new Field("width", FieldType.notNullable(new ArrowType.Int(32, true)), null),
        new Field("spatial_scale", FieldType.notNullable(
            new ArrowType.FloatingPoint(FloatingPointPrecision.DOUBLE)), null),
        new Field("data", FieldType.notNullable(new ArrowType.Binary()), null)));
  }

  /** Writes maps to one Arrow IPC file, one record batch per {@code batchSize} maps. */
  public static void write(OutputStream out, List<MapRecord> maps, int batchSize,
      BufferAllocator allocator) throws IOException {
    try (VectorSchemaRoot root = VectorSchemaRoot.create(schema(), allocator);
        ArrowFileWriter writer = new ArrowFileWriter(root, null, Channels.newChannel(out))) {
      writer.start();
      for (int from = 0; from < maps.size(); from += batchSize) {
        int n = Math.min(batchSize, maps.size() - from);
        root.allocateNew();
        VarCharVector image = (VarCharVector) root.getVector("image_id");
        VarCharVector level = (VarCharVector) root.getVector("level");
        IntVector c = (IntVector) root.getVector("channels");
        IntVector h = (IntVector) root.getVector("height");
        IntVector w = (IntVector) root.getVector("width");
        Float8Vector s = (Float8Vector) root.getVector("spatial_scale");
        VarBinaryVector data = (VarBinaryVector) root.getVector("data");
        for (int i = 0; i < n; i++) {
          MapRecord m = maps.get(from + i);
          image.setSafe(i, new Text(m.imageId()));
          if (m.level() == null) {
            level.setNull(i);
          } else {
            level.setSafe(i, new Text(m.level()));
          }
          c.setSafe(i, m.channels());
          h.setSafe(i, m.height());
          w.setSafe(i, m.width());
          s.setSafe(i, m.spatialScale());
          data.setSafe(i, m.data());
        }
        root.setRowCount(n);
        writer.writeBatch();
      }
      writer.end();
    }
  }
}
