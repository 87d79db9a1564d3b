package org.roifeatures.spark;

import java.util.Locale;

/** Byte sizes as options give them: a count of bytes, or a number with suffix k, m or g (powers of 1024). */
public final class ByteSize {

  private ByteSize() {}

  /** The size in bytes; {@link IllegalArgumentException} for anything that is not a size > 0. */
  public static long parse(String text) {
    String problem = problem(text);
    if (problem != null) {
      throw new IllegalArgumentException(problem);
    }
    return bytes(text.trim().toLowerCase(Locale.ROOT));
  }

  /** What is wrong with {@code text} as a size, or null when it is one. */
  public static String problem(String text) {
    String t = text.trim().toLowerCase(Locale.ROOT);
    if (!t.matches("[0-9]{1,15}[kmg]?b?") || t.endsWith("b") && !t.matches(".*[kmg]b")) {
      return "must be a size in bytes, optionally with suffix k, m or g (e.g. 512m), got '" + text + "'";
    }
    long b = bytes(t);
    if (b <= 0) {
      return "must be > 0, got '" + text + "'";
    }
    return null;
  }

  private static long bytes(String t) {
    String s = t.endsWith("b") ? t.substring(0, t.length() - 1) : t;
    char unit = s.charAt(s.length() - 1);
    int shift = switch (unit) {
      case 'k' -> 10;
      case 'm' -> 20;
      case 'g' -> 30;
      default -> 0;
    };
    long n = Long.parseLong(shift == 0 ? s : s.substring(0, s.length() - 1));
    return n << shift;
  }
}
