package org.roifeatures.spark.io;

import java.util.Map;
import java.util.function.Supplier;
import org.apache.spark.SparkException;
import org.apache.spark.SparkThrowable;
import org.apache.spark.sql.DataFrameWriter;

/**
 * Turns Spark's failure to read an input file into one line naming the file. A file Spark's own
 * readers cannot read (a truncated {@code .csv.gz}, a Parquet file with a corrupt footer) fails a
 * task with a {@code FAILED_READ_FILE} {@link SparkException} carrying the path, which reaches the
 * driver wrapped in a job abort with the whole stack; {@link #reading} rethrows it as
 * {@code IllegalArgumentException("cannot read proposals file F: <cause>")}, which the command line
 * prints as one line with exit code 2. Any other failure passes through unchanged.
 */
public final class InputErrors {

  private InputErrors() {}

  /** Runs {@code action}; a failure to read an input file becomes one line naming it. */
  public static <T> T reading(String what, Supplier<T> action) {
    try {
      return action.get();
    } catch (RuntimeException e) {
      IllegalArgumentException clear = translate(what, e);
      throw clear != null ? clear : e;
    } catch (Exception e) { // Spark throws SparkException (checked) without declaring it
      IllegalArgumentException clear = translate(what, e);
      if (clear != null) {
        throw clear;
      }
      throw rethrow(e);
    }
  }

  /** {@code writer.save(path)}, with a failure to read an input file as one line naming it. */
  public static void saving(String what, DataFrameWriter<?> writer, String path) {
    reading(what, () -> {
      writer.save(path);
      return null;
    });
  }

  /**
   * The one-line error for a failure to read a file somewhere in {@code e}'s causes, or null when
   * {@code e} is not one.
   */
  public static IllegalArgumentException translate(String what, Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SparkThrowable st && st.getCondition() != null
          && st.getCondition().startsWith("FAILED_READ_FILE")) {
        Map<String, String> params = st.getMessageParameters();
        String file = params == null ? null : params.get("path");
        String cause = t.getCause() == null ? null : oneLine(t.getCause());
        String text = file != null
            ? "cannot read " + what + " file " + file + (cause == null ? "" : ": " + cause)
            : "cannot read " + what + ": " + oneLine(t) + (cause == null ? "" : ": " + cause);
        return new InputException(text, e);
      }
    }
    return null;
  }

  /**
   * A throwable's message as one line without exception class names (a message such as
   * "java.io.IOException: x" that wraps another exception's text becomes "x"); the class's simple
   * name without "Exception" when there is no message.
   */
  public static String oneLine(Throwable t) {
    String m = t.getMessage();
    if (m == null || m.isBlank()) {
      return t.getClass().getSimpleName().replace("Exception", "").replace("Error", " error")
          .toLowerCase(java.util.Locale.ROOT).strip();
    }
    m = m.strip();
    int nl = m.indexOf('\n');
    if (nl >= 0) {
      m = m.substring(0, nl).strip();
    }
    return m.replaceAll("\\b(?:[A-Za-z_$][\\w$]*\\.)+[A-Z][\\w$]*(?:Exception|Error)(?::\\s*)?", "")
        .replaceAll("\\s*SQLSTATE: \\w+", "").strip();
  }

  /** Rethrows {@code e} unchanged, checked or not (Spark throws checked exceptions undeclared). */
  static RuntimeException rethrow(Throwable e) {
    throw InputErrors.<RuntimeException>sneaky(e);
  }

  @SuppressWarnings("unchecked")
  private static <E extends Throwable> E sneaky(Throwable e) throws E {
    throw (E) e;
  }
}
