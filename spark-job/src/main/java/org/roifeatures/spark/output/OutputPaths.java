package org.roifeatures.spark.output;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Where a run writes, decided and checked before it reads any data, so that no mistake in the
 * paths can destroy an input or an earlier result:
 * <ul>
 *   <li>neither output (features, rejects) may equal, contain or lie inside an input path, nor each
 *       other — compared after making paths absolute, resolving {@code ..}, symbolic links (local
 *       file system) and the default file system's scheme, on the same file system only;</li>
 *   <li>{@code error} mode refuses an existing output (an empty directory, which holds nothing, is
 *       removed instead); {@code overwrite} mode replaces only what looks like a Spark output
 *       (part files, {@code key=value} partition directories, {@code _}/{@code .} files) and
 *       refuses a directory that holds anything else;</li>
 *   <li>each output's location must be writable: a probe file is created and removed in the
 *       nearest existing directory;</li>
 *   <li>neither output may be the root of a file system ({@code /}, {@code s3a://bucket}).</li>
 * </ul>
 */
public final class OutputPaths {

  /** The run report's own path is refused: nothing may be written there, not even the refusal. */
  public static final class UnsafeReportPath extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    UnsafeReportPath(String message) {
      super(message);
    }
  }

  /** Directories an output of this job (or Spark's committer) holds besides partitions. */
  private static final java.util.Set<String> OWN_DIRECTORIES =
      java.util.Set.of("_temporary", IncrementalOutput.RUNS);

  /** File systems whose directory rename is atomic, which append mode's commit point needs. */
  private static final java.util.Set<String> ATOMIC_RENAME =
      java.util.Set.of("file", "hdfs", "viewfs", "abfs", "abfss", "ofs", "o3fs");

  /** The run's two outputs, normalised ({@code a//b/} → {@code a/b}), and which ones it creates. */
  public record Resolved(String features, String rejects, boolean featuresExisted,
      boolean rejectsExisted) {}

  private OutputPaths() {}

  /**
   * Resolves and checks the outputs against {@code inputs} (option key → path); throws
   * {@link IllegalArgumentException} with one line naming the paths involved.
   */
  public static Resolved check(Configuration conf, String outputPath, String rejectsOption,
      Map<String, String> inputs, String mode) {
    return check(conf, outputPath, rejectsOption, inputs, mode, "");
  }

  /**
   * As {@link #check(Configuration, String, String, Map, String)}, and also checks the run report's
   * path ({@code summary.json}, "" for none): it may not be, lie inside or contain an input or an
   * output, and must be writable.
   */
  public static Resolved check(Configuration conf, String outputPath, String rejectsOption,
      Map<String, String> inputs, String mode, String reportPath) {
    boolean overwrite = mode.equals("overwrite");
    boolean append = mode.equals("append");
    String features = normalise(outputPath, "output.path");
    String rejects = rejectsOption.isBlank() ? features + "_rejects"
        : normalise(rejectsOption, "output.rejects.path");
    // On the path as written first, so that s3a://bucket is refused without reaching the store.
    refuseRoot("output.path", features, new Path(features).toUri().getPath());
    refuseRoot("output.rejects.path", rejects, new Path(rejects).toUri().getPath());
    try {
      Location f = Location.of(conf, features);
      Location r = Location.of(conf, rejects);
      // Then as resolved: '.' in /, or a symbolic link to /.
      refuseRoot("output.path", features, f.path);
      refuseRoot("output.rejects.path", rejects, r.path);
      refuseOverlap("output.path", features, f, "output.rejects.path", rejects, r);
      if (append && !ATOMIC_RENAME.contains(f.scheme)) {
        throw new IllegalArgumentException("output.mode append needs a file system whose directory "
            + "rename is atomic (" + String.join(", ", new java.util.TreeSet<>(ATOMIC_RENAME))
            + "); " + features + " is on '" + f.scheme + "': write a new output per run there");
      }
      if (!reportPath.isBlank()) {
        try {
          Location rep = Location.of(conf, reportPath);
          refuseOverlap("summary.json", reportPath, rep, "output.path", features, f);
          refuseOverlap("summary.json", reportPath, rep, "output.rejects.path", rejects, r);
          for (Map.Entry<String, String> in : inputs.entrySet()) {
            if (in.getValue() != null && !in.getValue().isBlank()) {
              refuseOverlap("summary.json", reportPath, rep, in.getKey(), in.getValue(),
                  Location.of(conf, globBase(in.getValue())));
            }
          }
          probeWritable(conf, "summary.json", reportPath);
        } catch (IllegalArgumentException e) {
          throw new UnsafeReportPath(e.getMessage());
        }
      }
      for (Map.Entry<String, String> in : inputs.entrySet()) {
        if (in.getValue() == null || in.getValue().isBlank()) {
          continue;
        }
        Location i = Location.of(conf, globBase(in.getValue()));
        refuseOverlap("output.path", features, f, in.getKey(), in.getValue(), i);
        refuseOverlap("output.rejects.path", rejects, r, in.getKey(), in.getValue(), i);
      }
      // Append mode adds to an existing output; IncrementalOutput checks its layout.
      boolean featuresExisted = append ? exists(conf, features)
          : checkExisting(conf, "output.path", features, overwrite);
      boolean rejectsExisted = append ? exists(conf, rejects)
          : checkExisting(conf, "output.rejects.path", rejects, overwrite);
      probeWritable(conf, "output.path", features);
      probeWritable(conf, "output.rejects.path", rejects);
      return new Resolved(features, rejects, featuresExisted, rejectsExisted);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot check the output paths " + features + " and "
          + rejects + ": " + oneLineMessage(e), e);
    }
  }

  /** A path as Hadoop normalises it: no doubled or trailing slashes. */
  static String normalise(String path, String option) {
    if (path == null || path.isBlank()) {
      throw new IllegalArgumentException("option " + option + " is empty");
    }
    try {
      return new Path(path.trim()).toString();
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("option " + option + " is not a valid path: '" + path
          + "' (" + e.getMessage() + ")");
    }
  }

  /**
   * Refuses a file system's root ({@code /}, {@code file:/}, {@code hdfs://nn/}, {@code s3a://bucket})
   * as an output: it would sit among everything else on that file system, and overwrite mode would
   * replace what looks like output there.
   */
  static void refuseRoot(String key, String given, String path) {
    if (path == null || path.isEmpty() || path.equals("/")) {
      throw new IllegalArgumentException(key + " " + given + " is the root of its file system; "
          + "an output there would lie among everything stored on it: choose a directory below "
          + "the root");
    }
  }

  /** The directory part of a glob ({@code data/*.csv} → {@code data}); the path itself otherwise. */
  static String globBase(String path) {
    int glob = -1;
    for (int i = 0; i < path.length(); i++) {
      if ("*?[{".indexOf(path.charAt(i)) >= 0) {
        glob = i;
        break;
      }
    }
    if (glob < 0) {
      return path;
    }
    int slash = path.lastIndexOf('/', glob);
    return slash <= 0 ? (slash == 0 ? "/" : ".") : path.substring(0, slash);
  }

  private static void refuseOverlap(String outKey, String outPath, Location out, String inKey,
      String inPath, Location in) {
    if (!out.sameFileSystem(in)) {
      return;
    }
    String how;
    if (out.path.equals(in.path)) {
      how = "is the same directory as";
    } else if (in.path.startsWith(out.path.endsWith("/") ? out.path : out.path + "/")) {
      how = "contains";
    } else if (out.path.startsWith(in.path.endsWith("/") ? in.path : in.path + "/")) {
      how = "lies inside";
    } else {
      return;
    }
    throw new IllegalArgumentException(outKey + " " + outPath + " " + how + " " + inKey + " "
        + inPath + " (" + out + " vs " + in + "); writing there could destroy or change it: "
        + "choose an output path outside every input and apart from the other output");
  }

  /**
   * Checks an existing output against the mode; returns whether it existed (after an empty
   * directory was removed in error mode).
   */
  private static boolean checkExisting(Configuration conf, String key, String path,
      boolean overwrite) throws IOException {
    Path p = new Path(path);
    FileSystem fs = p.getFileSystem(conf);
    FileStatus status;
    try {
      status = fs.getFileStatus(p);
    } catch (FileNotFoundException e) {
      return false;
    }
    if (!status.isDirectory()) {
      throw new IllegalArgumentException(key + " " + path + " is an existing file, not an output "
          + "directory; choose another path");
    }
    FileStatus[] entries = fs.listStatus(p);
    if (!overwrite) {
      if (entries.length == 0) {
        // Nothing to lose (e.g. left by a run that failed before writing): let this run use it.
        fs.delete(p, false);
        return false;
      }
      throw new IllegalArgumentException(key + " " + path + " already exists ("
          + RunRecord.describe(conf, path) + "); remove it or run with --output.mode overwrite");
    }
    OutputLock.refuseReplacingWhileHeld(fs, p, key);
    for (FileStatus e : entries) {
      String name = e.getPath().getName();
      boolean sparkOutput = e.isFile()
          ? name.startsWith("_") || name.startsWith(".") || name.startsWith("part-")
          : name.indexOf('=') > 0 || OWN_DIRECTORIES.contains(name) || name.startsWith("_staging-");
      if (!sparkOutput) {
        throw new IllegalArgumentException("output.mode overwrite would delete " + path + " (" + key
            + "), which does not look like a roi-features output: it holds '" + name + "'; "
            + "choose another path or remove it yourself");
      }
    }
    return true;
  }

  /** Creates and removes a file where the output will be created, to fail now rather than later. */
  private static void probeWritable(Configuration conf, String key, String path) throws IOException {
    Path p = new Path(path);
    FileSystem fs = p.getFileSystem(conf);
    Path dir = p;
    FileStatus status = null;
    while (dir != null) {
      try {
        status = fs.getFileStatus(dir);
        break;
      } catch (FileNotFoundException e) {
        dir = dir.getParent();
      }
    }
    if (dir == null || status == null) {
      throw new IllegalArgumentException("cannot write " + key + " " + path
          + ": none of its parent directories exists");
    }
    if (!status.isDirectory()) {
      throw new IllegalArgumentException("cannot write " + key + " " + path + ": " + dir
          + " is a file, not a directory");
    }
    Path probe = new Path(dir, "._roi_features_probe_" + UUID.randomUUID());
    try {
      fs.create(probe, false).close();
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot write " + key + " " + path + ": " + dir
          + " is not writable (" + oneLineMessage(e) + ")");
    } finally {
      try {
        fs.delete(probe, false);
      } catch (IOException ignored) {
        // the probe was never created
      }
    }
  }

  /** The first line of an exception's message (or its class name), for records and messages. */
  public static String oneLineMessage(Throwable e) {
    String m = e.getMessage() == null ? e.getClass().getName() : e.getMessage();
    int nl = m.indexOf('\n');
    return nl < 0 ? m : m.substring(0, nl);
  }

  /** Whether {@code path} exists (false when that cannot even be asked). */
  public static boolean exists(Configuration conf, String path) {
    try {
      Path p = new Path(path);
      return p.getFileSystem(conf).exists(p);
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * True when {@code path} is a file, or a directory holding an entry a Parquet reader would read
   * (a name not starting with {@code _} or {@code .}).
   */
  public static boolean hasDataFiles(Configuration conf, String path) throws IOException {
    Path p = new Path(path);
    FileSystem fs = p.getFileSystem(conf);
    if (fs.getFileStatus(p).isFile()) {
      return true;
    }
    for (FileStatus f : fs.listStatus(p)) {
      String n = f.getPath().getName();
      if (!n.startsWith("_") && !n.startsWith(".")) {
        return true;
      }
    }
    return false;
  }

  /** A path reduced to what decides identity: file system (scheme, authority) and absolute path. */
  private record Location(String scheme, String authority, String path) {

    static Location of(Configuration conf, String path) throws IOException {
      Path p = new Path(path);
      FileSystem fs = p.getFileSystem(conf);
      URI uri = fs.makeQualified(p).toUri();
      String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
      // The host without user info and with the file system's default port when none is given, so
      // hdfs://nn/x and hdfs://nn:8020/x are one place (nn and its FQDN are not told apart: see
      // sameFileSystem).
      String host = uri.getHost() == null ? "" : uri.getHost().toLowerCase(Locale.ROOT);
      int port = uri.getPort() >= 0 ? uri.getPort() : fs.getUri().getPort() >= 0
          ? fs.getUri().getPort() : 0;
      String authority = host.isEmpty() ? "" : host + ":" + port;
      String abs = new Path(uri.getPath()).toString();
      if (scheme.equals("file")) {
        abs = realPath(abs);
      }
      return new Location(scheme, authority, abs);
    }

    /** Symbolic links resolved on the longest existing prefix; the rest appended as given. */
    private static String realPath(String absolute) throws IOException {
      java.nio.file.Path p = Paths.get(absolute).normalize();
      java.nio.file.Path existing = p;
      while (existing != null && !Files.exists(existing)) {
        existing = existing.getParent();
      }
      if (existing == null) {
        return p.toString();
      }
      java.nio.file.Path real = existing.toRealPath();
      return real.resolve(existing.relativize(p)).normalize().toString();
    }

    /**
     * Whether two locations may be one file system. Errs on the side of "yes": the same scheme
     * family (s3, s3a, s3n are one store) is compared by path whatever the authority, because one
     * namenode or bucket can be spelt several ways (port, FQDN, alias); a refusal of two truly
     * distinct file systems that share a path is the safe mistake.
     */
    boolean sameFileSystem(Location o) {
      return family(scheme).equals(family(o.scheme));
    }

    private static String family(String scheme) {
      return scheme.startsWith("s3") ? "s3" : scheme.equals("abfss") ? "abfs"
          : scheme.equals("viewfs") ? "hdfs" : scheme;
    }

    @Override
    public String toString() {
      return (scheme.isEmpty() ? "" : scheme + "://" + authority) + path;
    }
  }
}
