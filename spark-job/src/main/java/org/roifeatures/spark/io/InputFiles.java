package org.roifeatures.spark.io;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The data files of an input path (proposals), listed on the driver before Spark reads them, so that
 * a missing path, an empty input or a file that is not what its format says is one clear error.
 *
 * <p><b>Which files are the input's.</b> A file path is its own only file. In a directory: the files
 * directly in it, and the files under partition directories ({@code key=value}, recursively, as
 * Spark's partition discovery reads them: the key becomes a column). Names starting with {@code _} or
 * {@code .} (Spark's {@code _SUCCESS}, {@code .crc} files, {@code _temporary/}) are skipped, as Spark
 * skips them, except partition directories such as {@code _a=1}. <b>Any other subdirectory is not
 * part of the input.</b> That is what Spark's reader does by itself, with its default
 * {@code recursiveFileLookup=false}, when there are no partition directories (it reads only the
 * directory's own files); but format detection used to look at every file below the directory (a
 * Parquet output written inside a CSV proposals directory made the input "Parquet"), and next to
 * partition directories another subdirectory makes Spark fail with
 * {@code CONFLICTING_DIRECTORY_STRUCTURES} ({@code recursiveFileLookup=true} would read every file
 * below and turn partition discovery off: not wanted either). When such a subdirectory is present,
 * {@link #readerPaths} hands Spark the listed files themselves, with the directory as
 * {@code basePath} so that partition columns are still
 * discovered. A glob path is left to Spark as it is (its matches are listed for the checks only).
 */
public final class InputFiles {

  private final String what;
  private final String path;
  private final boolean glob;
  private final List<FileStatus> files;
  private final List<String> ignoredDirs;

  private InputFiles(String what, String path, boolean glob, List<FileStatus> files,
      List<String> ignoredDirs) {
    this.what = what;
    this.path = path;
    this.glob = glob;
    this.files = files;
    this.ignoredDirs = ignoredDirs;
  }

  /**
   * Lists the data files of {@code path}; {@code what} ("proposals") names the input in messages.
   *
   * @throws IllegalArgumentException "proposals path X does not exist", or when it cannot be listed
   */
  public static InputFiles list(Configuration conf, String what, String path) {
    try {
      Path root = new Path(path);
      FileSystem fs = root.getFileSystem(conf);
      boolean glob = isGlob(path);
      FileStatus[] roots;
      if (glob) {
        roots = fs.globStatus(root);
      } else {
        roots = new FileStatus[] {fs.getFileStatus(root)};
      }
      if (roots == null || roots.length == 0) {
        throw new InputException(what + " path " + path + " does not exist");
      }
      List<FileStatus> files = new ArrayList<>();
      List<String> ignored = new ArrayList<>();
      for (FileStatus s : roots) {
        if (s.isFile()) {
          files.add(s);
        } else {
          collect(fs, s.getPath(), files, ignored);
        }
      }
      return new InputFiles(what, path, glob, files, ignored);
    } catch (FileNotFoundException e) {
      throw new InputException(what + " path " + path + " does not exist");
    } catch (IOException e) {
      throw new InputException("cannot list " + what + " at " + path + ": "
          + InputErrors.oneLine(e), e);
    }
  }

  private static void collect(FileSystem fs, Path dir, List<FileStatus> files, List<String> ignored)
      throws IOException {
    FileStatus[] children = fs.listStatus(dir);
    Arrays.sort(children, Comparator.comparing(s -> s.getPath().getName()));
    for (FileStatus child : children) {
      String name = child.getPath().getName();
      boolean partitionDir = child.isDirectory() && name.indexOf('=') > 0;
      if (!partitionDir && (name.startsWith("_") || name.startsWith(".")
          || name.endsWith("._COPYING_"))) {
        continue;
      }
      if (child.isFile()) {
        files.add(child);
      } else if (partitionDir) {
        collect(fs, child.getPath(), files, ignored);
      } else {
        ignored.add(child.getPath().toString());
      }
    }
  }

  static boolean isGlob(String path) {
    return path.indexOf('*') >= 0 || path.indexOf('?') >= 0 || path.indexOf('[') >= 0
        || path.indexOf('{') >= 0;
  }

  /** The data files, in name order within each directory. */
  public List<FileStatus> files() {
    return files;
  }

  /** Subdirectories that are not part of the input (neither hidden nor partition directories). */
  public List<String> ignoredDirs() {
    return ignoredDirs;
  }

  /** True when there is no data file, or every data file is 0 bytes long. */
  public boolean allEmpty() {
    return files.stream().allMatch(f -> f.getLen() == 0);
  }

  /**
   * What to hand Spark's reader: the path itself, unless it holds subdirectories that are not part
   * of the input; then the listed files (read with {@link #basePath} as {@code basePath}).
   */
  public String[] readerPaths() {
    if (glob || ignoredDirs.isEmpty()) {
      return new String[] {path};
    }
    return files.stream().map(f -> f.getPath().toString()).toArray(String[]::new);
  }

  /** The {@code basePath} option for {@link #readerPaths}, or null when the path itself is read. */
  public String basePath() {
    return glob || ignoredDirs.isEmpty() ? null : path;
  }

  /** Fails with one line unless there is at least one data file. */
  public InputFiles requireFiles() {
    if (files.isEmpty()) {
      throw new InputException(what + " path " + path + " holds no data files"
          + (ignoredDirs.isEmpty() ? "" : " (subdirectories are not read: " + ignoredDirs + ")"));
    }
    return this;
  }

  /**
   * Checks that every file is Parquet by its magic numbers ({@code PAR1}, or {@code PARE}, at the
   * start and at the end, at least 12 bytes) and a footer length within the file: two small reads
   * per file on the driver, instead of a Spark task failure in the middle of the job. A file with
   * the magic but a corrupt footer still fails inside Spark, where {@link InputErrors} names it.
   */
  public void checkParquetMagic(Configuration conf) {
    byte[] head = new byte[4];
    byte[] tail = new byte[4];
    byte[] footerLength = new byte[4];
    for (FileStatus f : files) {
      Path p = f.getPath();
      long len = f.getLen();
      if (len < 12) {
        throw new InputException(what + " file " + p + " is not a Parquet file (" + len
            + " bytes)");
      }
      try (FSDataInputStream in = p.getFileSystem(conf).open(p)) {
        in.readFully(0, head);
        in.readFully(len - 8, footerLength);
        in.readFully(len - 4, tail);
      } catch (IOException e) {
        throw new InputException("cannot read " + what + " file " + p + ": "
            + InputErrors.oneLine(e), e);
      }
      if (!isMagic(head) || !isMagic(tail)) {
        throw new InputException(what + " file " + p + " is not a Parquet file (no PAR1 "
            + (isMagic(head) ? "at its end" : "at its start") + ")");
      }
      long footer = java.nio.ByteBuffer.wrap(footerLength).order(java.nio.ByteOrder.LITTLE_ENDIAN)
          .getInt() & 0xffffffffL;
      if (footer > len - 12) {
        throw new InputException(what + " file " + p + " is not a Parquet file (its footer "
            + "claims " + footer + " bytes, the file has " + len + ")");
      }
    }
  }

  /** {@code PAR1}, or {@code PARE} (a file with an encrypted footer). */
  private static boolean isMagic(byte[] b) {
    return b[0] == 'P' && b[1] == 'A' && b[2] == 'R' && (b[3] == '1' || b[3] == 'E');
  }
}
