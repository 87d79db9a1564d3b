package org.roifeatures.spark.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.hadoop.fs.FSDataInputStream;
import org.roifeatures.ops.HalfPrecision;

/**
 * Reads safetensors files ({@code huggingface/safetensors}): an 8-byte little-endian header length
 * N, N bytes of JSON mapping each tensor name to {@code dtype}, {@code shape} and {@code
 * data_offsets = [begin, end)} (relative to the end of the header), then the data. One file holds
 * one image's maps, one tensor per level (tensor name = level), each (C, H, W) or (1, C, H, W) in
 * F32, F16 or BF16; 16-bit values are widened to float32, which is exact. Nothing is trusted
 * before it is checked against the file's length: a header length or offsets past the end, a
 * header that is not such JSON, or another dtype is an {@link IOException} naming the file and
 * what was wrong, never an allocation of what the file claims. Plain Java, no Spark.
 */
public final class SafetensorsFile {

  /** The format's own bound on the header (safetensors refuses larger ones too). */
  static final long MAX_HEADER = 100L << 20;

  private static final ObjectMapper JSON = new ObjectMapper();

  private SafetensorsFile() {}

  /**
   * One tensor as the header describes it, checked: offsets within the file and matching shape ×
   * dtype size. {@code problem} is null when it is usable as a map, else why not ("unreadable ..."
   * for a dtype or offsets the job cannot read, a shape text otherwise).
   */
  public record Tensor(String name, String dtype, long[] shape, long begin, long end,
      String problem) {
    /** Bytes per value in the file. */
    public int itemSize() {
      return dtype.equals("F32") ? 4 : 2;
    }
  }

  /** A parsed header: the tensors in header order and where the data starts in the file. */
  public record Header(Map<String, Tensor> tensors, long dataStart) {}

  /** Reads and checks the header of a file of {@code fileLength} bytes. */
  public static Header readHeader(InputStream in, long fileLength, String file) throws IOException {
    byte[] lengthBytes = new byte[8];
    try {
      readFully(in, lengthBytes);
    } catch (EOFException e) {
      throw new IOException("unreadable safetensors file " + file + ": shorter than its 8-byte "
          + "header length");
    }
    long n = ByteBuffer.wrap(lengthBytes).order(ByteOrder.LITTLE_ENDIAN).getLong();
    if (n <= 0 || n > MAX_HEADER || n > fileLength - 8) {
      throw new IOException("unreadable safetensors file " + file + ": header length " + n
          + " is not within 1.." + Math.min(MAX_HEADER, fileLength - 8) + " (file of " + fileLength
          + " bytes)");
    }
    byte[] text = new byte[(int) n];
    readFully(in, text);
    JsonNode root;
    try {
      root = JSON.readTree(new String(text, StandardCharsets.UTF_8));
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IOException("unreadable safetensors file " + file + ": header is not JSON ("
          + e.getOriginalMessage() + ")");
    }
    if (root == null || !root.isObject()) {
      throw new IOException("unreadable safetensors file " + file + ": header is not a JSON object");
    }
    long dataStart = 8 + n;
    long dataLength = fileLength - dataStart;
    Map<String, Tensor> tensors = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> f = it.next();
      if (!f.getKey().equals("__metadata__")) {
        tensors.put(f.getKey(), tensor(f.getKey(), f.getValue(), dataLength, file));
      }
    }
    return new Header(tensors, dataStart);
  }

  private static Tensor tensor(String name, JsonNode t, long dataLength, String file) {
    String where = "tensor '" + name + "' of " + file;
    JsonNode dtypeNode = t.get("dtype");
    JsonNode shapeNode = t.get("shape");
    JsonNode offsets = t.get("data_offsets");
    if (dtypeNode == null || !dtypeNode.isTextual() || shapeNode == null || !shapeNode.isArray()
        || offsets == null || !offsets.isArray() || offsets.size() != 2
        || !offsets.get(0).canConvertToLong() || !offsets.get(1).canConvertToLong()) {
      return bad(name, "unreadable " + where + ": needs dtype, shape and data_offsets [begin, end], "
          + "got " + abbreviate(t.toString()));
    }
    String dtype = dtypeNode.asText();
    long[] shape = new long[shapeNode.size()];
    for (int i = 0; i < shape.length; i++) {
      JsonNode d = shapeNode.get(i);
      shape[i] = d.canConvertToLong() && d.asLong() >= 0 ? d.asLong() : -1;
      if (shape[i] < 0) {
        return bad(name, "unreadable " + where + ": bad shape " + shapeNode);
      }
    }
    long begin = offsets.get(0).asLong();
    long end = offsets.get(1).asLong();
    if (!dtype.equals("F32") && !dtype.equals("F16") && !dtype.equals("BF16")) {
      return new Tensor(name, dtype, shape, begin, end, "unreadable " + where + ": dtype " + dtype
          + " is not F32, F16 or BF16");
    }
    if (begin < 0 || end < begin || end > dataLength) {
      return new Tensor(name, dtype, shape, begin, end, "unreadable " + where + ": data_offsets ["
          + begin + ", " + end + "] are not within the file's " + dataLength + " data bytes");
    }
    long[] chw = NpyArrays.mapShape(shape);
    if (chw == null) {
      return new Tensor(name, dtype, shape, begin, end,
          NpyArrays.mapShapeProblem(shape, file + " tensor '" + name + "'"));
    }
    String shapeProblem = ShapeCheck.problem(chw[0], chw[1], chw[2]);
    if (shapeProblem != null) {
      return new Tensor(name, dtype, shape, begin, end, shapeProblem);
    }
    int item = dtype.equals("F32") ? 4 : 2;
    if (end - begin != chw[0] * chw[1] * chw[2] * item) {
      return new Tensor(name, dtype, shape, begin, end, "unreadable " + where + ": data_offsets ["
          + begin + ", " + end + "] hold " + (end - begin) + " bytes, shape "
          + Arrays.toString(shape) + " of " + dtype + " needs " + chw[0] * chw[1] * chw[2] * item);
    }
    return new Tensor(name, dtype, shape, begin, end, null);
  }

  private static Tensor bad(String name, String problem) {
    return new Tensor(name, "", new long[0], 0, 0, problem);
  }

  private static String abbreviate(String s) {
    return s.length() <= 120 ? s : s.substring(0, 120) + "...";
  }

  /** The values of a checked tensor as float32, read from {@code in} at the tensor's offset. */
  public static float[] readData(FSDataInputStream in, Header header, Tensor t) throws IOException {
    long count = (t.end() - t.begin()) / t.itemSize();
    float[] out = new float[(int) count];
    in.seek(header.dataStart() + t.begin());
    byte[] buf = new byte[1 << 16];
    ByteBuffer view = ByteBuffer.wrap(buf).order(ByteOrder.LITTLE_ENDIAN);
    int filled = 0;
    while (filled < count) {
      int want = (int) Math.min(buf.length, (count - filled) * t.itemSize());
      in.readFully(buf, 0, want);
      int values = want / t.itemSize();
      switch (t.dtype()) {
        case "F32" -> view.asFloatBuffer().get(out, filled, values);
        case "F16" -> {
          for (int i = 0; i < values; i++) {
            out[filled + i] = MapDtype.widenFloat16(view.getShort(2 * i));
          }
        }
        default -> {
          for (int i = 0; i < values; i++) {
            out[filled + i] = HalfPrecision.fromBfloat16(view.getShort(2 * i));
          }
        }
      }
      filled += values;
    }
    return out;
  }

  /**
   * Writes {@code tensors} (name → shape and float32 values) as one safetensors file in {@code
   * dtype} (F32, F16 or BF16, each value rounded to nearest even), as {@code safetensors.torch}
   * would save them.
   */
  public static void write(OutputStream out, Map<String, Map.Entry<long[], float[]>> tensors,
      String dtype) throws IOException {
    int item = dtype.equals("F32") ? 4 : 2;
    StringBuilder header = new StringBuilder("{");
    long offset = 0;
    for (Map.Entry<String, Map.Entry<long[], float[]>> t : tensors.entrySet()) {
      long bytes = (long) t.getValue().getValue().length * item;
      header.append(header.length() > 1 ? "," : "").append(JSON.writeValueAsString(t.getKey()))
          .append(":{\"dtype\":\"").append(dtype).append("\",\"shape\":")
          .append(JSON.writeValueAsString(t.getValue().getKey())).append(",\"data_offsets\":[")
          .append(offset).append(',').append(offset + bytes).append("]}");
      offset += bytes;
    }
    header.append('}');
    while (header.length() % 8 != 0) {
      header.append(' ');
    }
    byte[] text = header.toString().getBytes(StandardCharsets.UTF_8);
    out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(text.length).array());
    out.write(text);
    for (Map.Entry<long[], float[]> t : tensors.values()) {
      ByteBuffer b = ByteBuffer.allocate(t.getValue().length * item).order(ByteOrder.LITTLE_ENDIAN);
      for (float v : t.getValue()) {
        switch (dtype) {
          case "F32" -> b.putFloat(v);
          case "F16" -> b.putShort(HalfPrecision.toFloat16(v));
          default -> b.putShort(HalfPrecision.toBfloat16(v));
        }
      }
      out.write(b.array());
    }
  }

  private static void readFully(InputStream in, byte[] b) throws IOException {
    int got = 0;
    while (got < b.length) {
      int r = in.read(b, got, b.length - got);
      if (r < 0) {
        throw new EOFException();
      }
      got += r;
    }
  }
}
