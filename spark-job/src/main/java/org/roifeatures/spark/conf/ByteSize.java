package org.roifeatures.spark.conf;

import java.util.Locale;

/** Byte sizes as options give them: a positive count of bytes, or one with suffix k, m or g (1k = 1024). */
public final class ByteSize {

  private ByteSize() {}

  /** The size in bytes; {@link IllegalArgumentException} (without the option's name) otherwise. */
  public static long parse(String text) {
    String v = text.trim().toLowerCase(Locale.ROOT);
    int shift = 0;
    if (!v.isEmpty()) {
      switch (v.charAt(v.length() - 1)) {
        case 'k' -> shift = 10;
        case 'm' -> shift = 20;
        case 'g' -> shift = 30;
        default -> shift = 0;
      }
    }
    String digits = shift == 0 ? v : v.substring(0, v.length() - 1);
    long n = -1;
    if (!digits.isEmpty() && digits.chars().allMatch(Character::isDigit)) {
      try {
        n = Long.parseLong(digits);
      } catch (NumberFormatException e) {
        n = -1; // more digits than a long holds
      }
    }
    if (n <= 0 || n > Long.MAX_VALUE >> shift) {
      throw new IllegalArgumentException("must be a positive number of bytes, optionally with "
          + "suffix k, m or g (e.g. 512m), got '" + text + "'");
    }
    return n << shift;
  }

  /** What is wrong with {@code text} as a size, or null when it is one. */
  public static String problem(String text) {
    try {
      parse(text);
      return null;
    } catch (IllegalArgumentException e) {
      return e.getMessage();
    }
  }
}
