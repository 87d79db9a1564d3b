package org.roifeatures.spark.io;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.roifeatures.ops.HalfPrecision;

/**
 * Reads and writes NumPy {@code .npy} files holding one float32 or float16 array, little-endian, C
 * order: the layouts a PyTorch or NumPy backbone writes with {@code np.save(path, feat.numpy())} in
 * full or half precision ({@code '<f4'}, {@code '<f2'}). float16 values are widened to float32, which
 * is exact, so a half-precision map pools exactly as its float32 widening does. Anything else (other
 * dtype, big-endian, Fortran order, truncated data) is refused with a message saying what was found.
 * bfloat16 has no numpy dtype, so no {@code .npy} can hold it. Plain Java, no Spark.
 */
public final class NpyArrays {

  private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
  private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
  private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
  private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

  private NpyArrays() {}

  /** A float32 array and its shape. */
  public record FloatArray(long[] shape, float[] data) {}

  /**
   * What a header says: the array's shape and the bytes per value in the file (4: float32, 2:
   * float16).
   */
  public record Header(long[] shape, int itemSize) {
    /** The numpy dtype of the file's values. */
    public String dtype() {
      return itemSize == 2 ? "<f2" : "<f4";
    }
  }

  /** Thrown for a file that is not a readable float32 C-order .npy array. */
  public static final class NpyFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    public NpyFormatException(String message) {
      super(message);
    }
  }

  /** Parses a header and returns the shape; the stream is left at the first data byte. */
  public static long[] readHeader(DataInputStream in) throws IOException {
    return readHeaderInfo(in).shape();
  }

  /** Parses a header: shape and value size; the stream is left at the first data byte. */
  public static Header readHeaderInfo(DataInputStream in) throws IOException {
    byte[] magic = new byte[6];
    try {
      in.readFully(magic);
    } catch (EOFException e) {
      throw new NpyFormatException("file is shorter than the .npy magic string");
    }
    if (!Arrays.equals(magic, MAGIC)) {
      throw new NpyFormatException("not a .npy file (bad magic bytes)");
    }
    int major = in.readUnsignedByte();
    in.readUnsignedByte();
    int headerLength;
    if (major == 1) {
      headerLength = Short.toUnsignedInt(Short.reverseBytes(in.readShort()));
    } else if (major == 2 || major == 3) {
      headerLength = Integer.reverseBytes(in.readInt());
    } else {
      throw new NpyFormatException("unsupported .npy version " + major);
    }
    if (headerLength < 0 || headerLength > 1 << 20) {
      throw new NpyFormatException("implausible .npy header length " + headerLength);
    }
    byte[] header = new byte[headerLength];
    try {
      in.readFully(header);
    } catch (EOFException e) {
      throw new NpyFormatException("file ends inside the .npy header");
    }
    String text = new String(header, major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
    String descr = find(DESCR, text, "descr");
    int itemSize = switch (descr) {
      case "<f4", "=f4", "|f4" -> 4;
      case "<f2", "=f2", "|f2" -> 2;
      default -> throw new NpyFormatException("dtype " + descr + " is not float32 or float16 "
          + "little-endian ('<f4', '<f2')");
    };
    if (find(FORTRAN, text, "fortran_order").equals("True")) {
      throw new NpyFormatException("array is in Fortran order; save it C-contiguous "
          + "(np.ascontiguousarray)");
    }
    String dims = find(SHAPE, text, "shape").trim();
    String[] parts = dims.isEmpty() ? new String[0] : dims.split(",");
    long[] shape = Arrays.stream(parts).map(String::trim).filter(s -> !s.isEmpty())
        .mapToLong(s -> {
          try {
            return Long.parseLong(s.replace("L", ""));
          } catch (NumberFormatException e) {
            return -1;
          }
        }).toArray();
    for (long d : shape) {
      if (d < 0) {
        throw new NpyFormatException("bad shape (" + dims + ")");
      }
    }
    return new Header(shape, itemSize);
  }

  /**
   * The (C, H, W) of a feature map stored as {@code shape}: (C, H, W) itself, or (1, C, H, W), a
   * backbone's output for a batch of one image saved as is. Null for any other shape: a larger batch
   * holds several images' maps, and which file names which image is then unknowable.
   */
  public static long[] mapShape(long[] shape) {
    if (shape.length == 3) {
      return shape.clone();
    }
    if (shape.length == 4 && shape[0] == 1) {
      return Arrays.copyOfRange(shape, 1, 4);
    }
    return null;
  }

  /**
   * The (C, H, W) of a map stored as {@code shape}, channels last when {@code hwc}: (H, W, C) or
   * (1, H, W, C); null for any other shape (see {@link #mapShape(long[])}).
   */
  public static long[] mapShape(long[] shape, boolean hwc) {
    long[] s = mapShape(shape);
    return s == null || !hwc ? s : new long[] {s[2], s[0], s[1]};
  }

  /** Why {@code shape} is no map shape (see {@link #mapShape}), naming {@code file}. */
  public static String mapShapeProblem(long[] shape, String file) {
    if (shape.length == 4) {
      return file + " holds a batch of " + shape[0] + " maps, shape " + Arrays.toString(shape)
          + "; expected a 3-D (C, H, W) or 4-D (1, C, H, W) array, one image per file";
    }
    return file + ": expected a 3-D (C, H, W) or 4-D (1, C, H, W) array, found shape "
        + Arrays.toString(shape);
  }

  private static String find(Pattern p, String header, String key) throws NpyFormatException {
    Matcher m = p.matcher(header);
    if (!m.find()) {
      throw new NpyFormatException(".npy header has no '" + key + "': " + header.trim());
    }
    return m.group(1);
  }

  /**
   * Reads a whole float32 array; fails if the data is shorter than the header's shape says. It
   * allocates what the header claims: where a file may lie, check the claim against the file's
   * length between {@link #readHeader} and {@link #readData}, as the map loader does.
   */
  public static FloatArray read(InputStream raw) throws IOException {
    DataInputStream in = new DataInputStream(raw);
    Header h = readHeaderInfo(in);
    return new FloatArray(h.shape(), readData(in, h.shape(), h.itemSize()));
  }

  /** The float32 values of an array of {@code shape}, from a stream just past its header. */
  public static float[] readData(DataInputStream in, long[] shape) throws IOException {
    return readData(in, shape, 4);
  }

  /**
   * The values of an array of {@code shape} stored with {@code itemSize} bytes each (4: float32, 2:
   * float16, widened exactly), from a stream just past its header.
   */
  public static float[] readData(DataInputStream in, long[] shape, int itemSize)
      throws IOException {
    long count = 1;
    for (long d : shape) {
      count *= d;
      if (count > Integer.MAX_VALUE) {
        throw new NpyFormatException("array of shape " + Arrays.toString(shape)
            + " is too large for one map");
      }
    }
    float[] data = new float[(int) count];
    byte[] buf = new byte[1 << 16];
    ByteBuffer view = ByteBuffer.wrap(buf).order(ByteOrder.LITTLE_ENDIAN);
    int filled = 0;
    while (filled < count) {
      int want = (int) Math.min(buf.length, (count - filled) * itemSize);
      int got = 0;
      while (got < want) {
        int r = in.read(buf, got, want - got);
        if (r < 0) {
          throw new NpyFormatException("data truncated: shape " + Arrays.toString(shape)
              + " needs " + count * itemSize + " bytes, file has "
              + ((long) filled * itemSize + got));
        }
        got += r;
      }
      view.clear();
      if (itemSize == 2) {
        for (int i = 0; i < want / 2; i++) {
          data[filled + i] = MapDtype.widenFloat16(view.getShort(2 * i));
        }
      } else {
        view.asFloatBuffer().get(data, filled, want / 4);
      }
      filled += want / itemSize;
    }
    return data;
  }

  /** Writes a float32 little-endian C-order array (.npy version 1.0). */
  public static void write(OutputStream out, long[] shape, float[] data) throws IOException {
    write(out, shape, data, false);
  }

  /**
   * Writes a little-endian C-order array (.npy version 1.0): float16 ({@code '<f2'}, each value
   * rounded to nearest even, as numpy's {@code astype('<f2')}) when {@code half}, else float32.
   */
  public static void write(OutputStream out, long[] shape, float[] data, boolean half)
      throws IOException {
    StringBuilder dims = new StringBuilder();
    for (long d : shape) {
      dims.append(d).append(", ");
    }
    String shapeText = shape.length == 1 ? "(" + shape[0] + ",)"
        : "(" + dims.substring(0, Math.max(0, dims.length() - 2)) + ")";
    String dict = "{'descr': '" + (half ? "<f2" : "<f4") + "', 'fortran_order': False, 'shape': " + shapeText + ", }";
    int unpadded = 10 + dict.length() + 1;
    int pad = (64 - unpadded % 64) % 64;
    String header = dict + " ".repeat(pad) + "\n";
    out.write(MAGIC);
    out.write(1);
    out.write(0);
    int len = header.length();
    out.write(len & 0xff);
    out.write((len >>> 8) & 0xff);
    out.write(header.getBytes(StandardCharsets.ISO_8859_1));
    ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
    for (float v : data) {
      if (!buf.hasRemaining()) {
        out.write(buf.array(), 0, buf.position());
        buf.clear();
      }
      if (half) {
        buf.putShort(HalfPrecision.toFloat16(v));
      } else {
        buf.putFloat(v);
      }
    }
    out.write(buf.array(), 0, buf.position());
  }
}
