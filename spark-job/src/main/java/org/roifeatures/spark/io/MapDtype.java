package org.roifeatures.spark.io;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Locale;
import org.roifeatures.ops.HalfPrecision;

/**
 * The value types a Parquet map's {@code data} blob may hold ({@code dtype} column): float32 (the
 * default), float16 and bfloat16, little-endian. 16-bit values are widened to float32 as they are
 * decoded, which is exact, so a map pools as its float32 widening does.
 */
public final class MapDtype {

  public static final String FLOAT32 = "float32";
  public static final String FLOAT16 = "float16";
  public static final String BFLOAT16 = "bfloat16";

  private MapDtype() {}

  /**
   * The canonical name of a {@code dtype} value (numpy's and torch's spellings accepted: {@code
   * <f2}, {@code float16}, {@code torch.bfloat16}, ...), float32 for null or empty, null when it is
   * none of the three.
   */
  public static String canonical(String given) {
    if (given == null || given.isBlank()) {
      return FLOAT32;
    }
    String v = given.trim().toLowerCase(Locale.ROOT);
    if (v.startsWith("torch.")) {
      v = v.substring("torch.".length());
    }
    return switch (v) {
      case "float32", "f4", "<f4", "float", "f32" -> FLOAT32;
      case "float16", "f2", "<f2", "half", "f16" -> FLOAT16;
      case "bfloat16", "bf16" -> BFLOAT16;
      default -> null;
    };
  }

  /** Bytes per value of a canonical dtype. */
  public static int itemSize(String dtype) {
    return FLOAT32.equals(dtype) ? 4 : 2;
  }

  /**
   * The {@code remaining() / itemSize} values of a blob as float32, into {@code reuse} when it is
   * long enough; the buffer's position, limit and byte order are left as they are.
   */
  public static float[] decode(ByteBuffer bytes, String dtype, float[] reuse) {
    if (FLOAT32.equals(dtype)) {
      return FloatBlobs.decode(bytes, reuse);
    }
    int n = bytes.remaining() / 2;
    float[] out = reuse != null && reuse.length >= n ? reuse : new float[n];
    ByteBuffer le = bytes.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    int base = le.position();
    boolean bf = BFLOAT16.equals(dtype);
    for (int i = 0; i < n; i++) {
      short v = le.getShort(base + 2 * i);
      out[i] = bf ? HalfPrecision.fromBfloat16(v) : widenFloat16(v);
    }
    return out;
  }

  /**
   * float32 of every float16 bit pattern, from core-ops' conversion: maps are the largest input, and
   * one lookup per value costs less than the conversion's branches on subnormals, infinities, NaN.
   */
  private static final float[] FLOAT16_VALUES = float16Table();

  private static float[] float16Table() {
    float[] t = new float[1 << 16];
    for (int bits = 0; bits < t.length; bits++) {
      t[bits] = HalfPrecision.fromFloat16((short) bits);
    }
    return t;
  }

  /** The float32 value of float16 {@code bits}, exactly {@code HalfPrecision.fromFloat16}'s. */
  public static float widenFloat16(short bits) {
    return FLOAT16_VALUES[bits & 0xFFFF];
  }
}
