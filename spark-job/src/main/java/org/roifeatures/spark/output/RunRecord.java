package org.roifeatures.spark.output;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Completion is a property of the whole run, not of one Spark write. Spark's own {@code _SUCCESS}
 * is switched off for both outputs ({@link #NO_SPARK_SUCCESS}); after everything else the run
 * writes, in this order: {@value #SUMMARY} (status {@code complete}) in the features directory,
 * {@code _SUCCESS} in the rejects directory, {@code _SUCCESS} in the features directory. So:
 * <ul>
 *   <li><b>the run is complete if and only if {@code <output.path>/_SUCCESS} exists</b>;</li>
 *   <li>a run that failed after its features were committed leaves {@value #SUMMARY} with status
 *       {@code failed} and the error, and no {@code _SUCCESS};</li>
 *   <li>a killed run leaves no {@code _SUCCESS} and no {@value #SUMMARY} (or, when it was killed
 *       while replacing an earlier output, none of the earlier run's markers either: they are
 *       removed first, {@link #clear}).</li>
 * </ul>
 */
public final class RunRecord {

  public static final String SUMMARY = "_run_summary.json";
  public static final String SUCCESS = "_SUCCESS";

  /** The Hadoop setting that stops the committer from writing {@code _SUCCESS} on its own. */
  public static final String NO_SPARK_SUCCESS = "mapreduce.fileoutputcommitter.marksuccessfuljobs";

  /** What a directory says about the run that wrote it. */
  public enum State {
    /** {@code _SUCCESS} present: every output of the run is complete. */
    COMPLETE,
    /** A summary with status failed: the run stopped with an error after writing some output. */
    FAILED,
    /** Output files without a completion record: killed, or still running. */
    UNFINISHED,
    /** No such directory. */
    ABSENT
  }

  private static final ObjectMapper JSON = new ObjectMapper();

  private RunRecord() {}

  /**
   * Removes the completion markers of the outputs about to be replaced, before anything is written,
   * so that a run killed half-way never leaves an earlier run's {@code _SUCCESS} beside new files.
   */
  public static void clear(Configuration conf, String... dirs) throws IOException {
    for (String d : dirs) {
      Path dir = new Path(d);
      FileSystem fs = dir.getFileSystem(conf);
      fs.delete(new Path(dir, SUCCESS), false);
      fs.delete(new Path(dir, SUMMARY), false);
    }
  }

  /** Marks the run complete: the summary, then rejects' {@code _SUCCESS}, then the features'. */
  public static void complete(Configuration conf, String features, String rejects,
      Map<String, Object> summary) throws IOException {
    writeSummary(conf, features, summary);
    touch(conf, new Path(rejects, SUCCESS));
    touch(conf, new Path(features, SUCCESS));
  }

  /**
   * Records a failed run in a features directory that exists (best effort: the failure that is
   * being reported matters more than this record, so write errors are swallowed).
   */
  public static void failed(Configuration conf, String features, Map<String, Object> summary) {
    try {
      Path dir = new Path(features);
      FileSystem fs = dir.getFileSystem(conf);
      if (fs.exists(dir)) {
        writeSummary(conf, features, summary);
      }
    } catch (IOException | RuntimeException ignored) {
      // the caller reports the run's own failure
    }
  }

  public static State state(Configuration conf, String dir) throws IOException {
    Path p = new Path(dir);
    FileSystem fs = p.getFileSystem(conf);
    if (!fs.exists(p)) {
      return State.ABSENT;
    }
    if (fs.exists(new Path(p, SUCCESS))) {
      return State.COMPLETE;
    }
    JsonNode s = summary(conf, dir);
    return s != null && "failed".equals(s.path("status").asText()) ? State.FAILED
        : State.UNFINISHED;
  }

  /** The run summary of an output directory, or null when it has none (or it cannot be read). */
  public static JsonNode summary(Configuration conf, String dir) {
    Path p = new Path(dir, SUMMARY);
    try (InputStream in = p.getFileSystem(conf).open(p)) {
      return JSON.readTree(in);
    } catch (FileNotFoundException e) {
      return null;
    } catch (IOException e) {
      return null;
    }
  }

  /** One phrase for messages: what the directory holds, as far as completion goes. */
  public static String describe(Configuration conf, String dir) {
    try {
      return switch (state(conf, dir)) {
        case COMPLETE -> "it holds a complete run";
        case FAILED -> "it holds a failed run: " + summary(conf, dir).path("error").asText();
        case UNFINISHED -> "it holds an unfinished run (no " + SUCCESS + "): killed, or still running";
        case ABSENT -> "it does not exist";
      };
    } catch (IOException e) {
      return "its state cannot be read: " + OutputPaths.oneLineMessage(e);
    }
  }

  private static void writeSummary(Configuration conf, String dir, Map<String, Object> summary)
      throws IOException {
    writeJson(conf, new Path(dir, SUMMARY).toString(), summary);
  }

  /** Writes a run record as JSON to {@code path} (any Hadoop file system), replacing it. */
  public static void writeJson(Configuration conf, String path, Map<String, Object> record)
      throws IOException {
    Path p = new Path(path);
    try (OutputStream out = p.getFileSystem(conf).create(p, true)) {
      out.write(JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(record));
    }
  }

  private static void touch(Configuration conf, Path p) throws IOException {
    p.getFileSystem(conf).create(p, true).close();
  }
}
