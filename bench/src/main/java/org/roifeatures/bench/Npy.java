package org.roifeatures.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads NumPy {@code .npy} files holding little-endian float32 arrays in C order (what
 * {@code tv_bench.py --save} writes). Anything else is rejected with a message naming the file.
 */
public final class Npy {

  private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
  private static final Pattern DESCR = Pattern.compile("'descr':\\s*'([^']*)'");
  private static final Pattern FORTRAN = Pattern.compile("'fortran_order':\\s*(True|False)");
  private static final Pattern SHAPE = Pattern.compile("'shape':\\s*\\(([^)]*)\\)");

  /** An array's shape and its values in C order. */
  public record Array(int[] shape, float[] data) {}

  private Npy() {}

  public static Array read(Path file) throws IOException {
    return parse(Files.readAllBytes(file), file.toString());
  }

  /** Parses the bytes of a .npy file; {@code name} is only used in error messages. */
  public static Array parse(byte[] bytes, String name) {
    for (int i = 0; i < MAGIC.length; i++) {
      if (bytes.length <= i || bytes[i] != MAGIC[i]) {
        throw new IllegalArgumentException(name + ": not a .npy file");
      }
    }
    ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    int major = bytes[6];
    // Version 1 stores the header length in 2 bytes, versions 2 and 3 in 4.
    int headerLength = major == 1 ? Short.toUnsignedInt(buf.getShort(8)) : buf.getInt(8);
    int headerStart = major == 1 ? 10 : 12;
    String header = new String(bytes, headerStart, headerLength, StandardCharsets.ISO_8859_1);
    String descr = group(DESCR, header, name);
    if (!descr.equals("<f4")) {
      throw new IllegalArgumentException(name + ": dtype " + descr + ", expected <f4 (float32)");
    }
    if (group(FORTRAN, header, name).equals("True")) {
      throw new IllegalArgumentException(name + ": Fortran order is not supported");
    }
    String[] dims = group(SHAPE, header, name).split(",");
    int count = 0;
    for (String d : dims) {
      count += d.isBlank() ? 0 : 1;
    }
    int[] shape = new int[count];
    long size = 1;
    int k = 0;
    for (String d : dims) {
      if (!d.isBlank()) {
        shape[k] = Integer.parseInt(d.trim());
        size *= shape[k++];
      }
    }
    int dataStart = headerStart + headerLength;
    if (bytes.length - dataStart != size * Float.BYTES) {
      throw new IllegalArgumentException(name + ": " + (bytes.length - dataStart)
          + " data bytes for " + size + " float32 values");
    }
    float[] data = new float[(int) size];
    buf.position(dataStart);
    buf.asFloatBuffer().get(data);
    return new Array(shape, data);
  }

  private static String group(Pattern p, String header, String name) {
    Matcher m = p.matcher(header);
    if (!m.find()) {
      throw new IllegalArgumentException(name + ": header lacks " + p.pattern() + ": " + header);
    }
    return m.group(1);
  }
}
