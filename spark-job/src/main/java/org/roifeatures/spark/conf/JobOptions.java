package org.roifeatures.spark.conf;

import org.roifeatures.spark.RoiOp;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * Every configuration key of the job, defined once: key, default, allowed values or validator, one
 * line of documentation, and whether it is internal (test-only, hidden from {@code --help} and the
 * user docs). {@code --help}, the README's options table and {@code conf/roi-features.properties}
 * come from (or are checked by {@code JobOptionsDocsTest} against) these definitions. Keys are read
 * by {@link JobConfig} with the precedence: command line, then config file, then the Spark session's
 * {@code spark.roifeatures.<key>}, then the default; {@link JobConfig#resolve} validates every value
 * before the job touches any data.
 */
public final class JobOptions {

  /**
   * One configuration key.
   *
   * @param defaultValue null means required (no default); "" means "unset" (the doc says what that
   *     implies)
   * @param choices allowed values (lower case, matched case-insensitively), or empty for free values
   * @param check returns a problem description for a bad value, or null; never called for ""
   *     when {@code emptyAllowed}
   */
  public record Option(String key, String defaultValue, String doc, List<String> choices,
      boolean emptyAllowed, Function<String, String> check, boolean internal) {

    /** The problem with {@code value} for this option, or null when it is valid. */
    public String problem(String value) {
      if (value.isEmpty() && emptyAllowed) {
        return null;
      }
      if (!choices.isEmpty()) {
        String v = value.toLowerCase(Locale.ROOT);
        return choices.contains(v) ? null
            : "must be one of " + String.join(" | ", choices) + ", got '" + value + "'";
      }
      return check == null ? null : check.apply(value);
    }

    /** The doc line as --help prints it: the doc, then the allowed values when they are a list. */
    public String fullDoc() {
      return choices.isEmpty() || doc.contains(choices.get(choices.size() - 1)) ? doc
          : doc + ": " + String.join(" | ", choices);
    }

    /** How the default reads in --help and the README. */
    public String defaultText() {
      return defaultValue == null ? "(required)" : defaultValue.isEmpty() ? "(empty)" : defaultValue;
    }
  }

  public static final String MAPS_PATH = "maps.path";
  public static final String MAPS_FORMAT = "maps.format";
  public static final String MAPS_SCALES = "maps.scales";
  public static final String MAPS_LAYOUT = "maps.layout";
  public static final String MAPS_CHANNELS = "maps.channels";
  public static final String PROPOSALS_PATH = "proposals.path";
  public static final String PROPOSALS_FORMAT = "proposals.format";
  public static final String IMAGE_ID_DIGITS = "proposals.image.id.digits";
  public static final String MIN_SCORE = "proposals.min.score";
  public static final String TOP_K = "proposals.top.k";
  public static final String BOX_FORMAT = "proposals.box.format";
  public static final String BOX_NORMALIZED = "proposals.box.normalized";
  public static final String BOX_RESIZE = "proposals.box.resize";
  public static final String OP = "op";
  public static final String POOLED_HEIGHT = "pooled.height";
  public static final String POOLED_WIDTH = "pooled.width";
  public static final String SAMPLING_RATIO = "sampling.ratio";
  public static final String ALIGNED = "aligned";
  public static final String MODE = "mode";
  public static final String SEMANTICS = "semantics";
  public static final String LEVEL_MAPPER = "level.mapper";
  public static final String LEVEL = "level";
  public static final String LEVELS = "levels";
  public static final String CANONICAL_SCALE = "canonical.scale";
  public static final String CANONICAL_LEVEL = "canonical.level";
  public static final String OUTPUT_PATH = "output.path";
  public static final String REJECTS_PATH = "output.rejects.path";
  public static final String SAVE_MODE = "output.mode";
  public static final String LOCK_TIMEOUT = "output.lock.timeout";
  public static final String LOCK_BREAK = "output.lock.break";
  public static final String REDO_IMAGES = "output.redo.images";
  public static final String VECTOR_FORMAT = "output.vector.format";
  public static final String PRECISION = "output.precision";
  public static final String COMPRESSION = "output.compression";
  public static final String PARTITION_BY = "output.partition.by";
  public static final String WRITER = "output.writer";
  public static final String PARTITIONS = "partitions";
  public static final String FAIL_ON_REJECTS = "fail.on.rejects";
  public static final String SUMMARY_JSON = "summary.json";
  public static final String BATCH_ROIS = "batch.rois";
  public static final String INDEX_COLLECT_LIMIT = "maps.index.collect.limit";
  public static final String MAPS_MAX_BYTES = "maps.max.bytes";
  public static final String MAPS_VERIFY_CHECKSUMS = "maps.verify.checksums";
  public static final String TESTING_FAIL_PARTITIONS = "testing.fail.partitions";
  public static final String TESTING_FAIL_AFTER_ROWS = "testing.fail.after.rows";
  public static final String TESTING_FAIL_ATTEMPTS = "testing.fail.attempts";
  public static final String TESTING_FAIL_MODE = "testing.fail.mode";
  public static final String TESTING_HOLD_PHASE = "testing.hold.phase";
  public static final String TESTING_STOP_COMMIT = "testing.stop.commit.after";

  /** Largest pooled height or width: far beyond any detector's, small enough to catch typos. */
  public static final int MAX_POOLED = 4096;

  /** Largest {@code batch.rois}: beyond it a batch no longer amortises anything. */
  public static final int MAX_BATCH_ROIS = 4096;

  static final List<Option> ALL = List.of(
      text(MAPS_PATH, null, "feature maps: a Parquet dir/file, Arrow IPC file(s), a dir of .npy files or of .safetensors files"),
      choice(MAPS_FORMAT, "auto", "parquet | arrow | npy | safetensors | auto (from the path's extension / contents)",
          "auto", "parquet", "arrow", "npy", "safetensors"),
      choice(MAPS_LAYOUT, "chw", "order of a map's values: chw (channels first: .npy/safetensors shape (C, H, W) or (1, C, H, W)) | hwc (channels last: (H, W, C) or (1, H, W, C); Parquet/Arrow data blobs in H, W, C order)",
          "chw", "hwc"),
      text(MAPS_SCALES, "", "npy and safetensors maps: spatial scale per level, e.g. 'p3=0.125,p4=0.0625' or one number for single-level maps"),
      integer(MAPS_CHANNELS, "0", "the maps' channel count, declared: with level (single-level ops) or levels and maps.scales (multiscale), the API plans without reading the map index (no Spark job) and rejects maps unlike the declaration; the job reads the index and fails if it differs; 0: the most common count in the index",
          0, 1 << 20, false),
      text(PROPOSALS_PATH, null, "proposals: Parquet, CSV (with header), JSON lines or COCO detection results (a JSON array)"),
      choice(PROPOSALS_FORMAT, "auto", "parquet | csv | json | coco | auto (from the extension; a .json file starting with '[' is coco)",
          "auto", "parquet", "csv", "json", "coco"),
      integer(IMAGE_ID_DIGITS, "0", "zero-pad integer image ids to this many digits to match the maps' names (COCO: 12, 139 -> 000000000139); 0: as given",
          0, 64, false),
      check(MIN_SCORE, "", "keep only proposals with score >= this (a null score fails it); the others are selected out: counted, neither written nor rejected; empty: all",
          true, JobOptions::numberProblem),
      integer(TOP_K, "0", "keep per image the k highest-scoring proposals (ties: lower roi_id first; after proposals.min.score); the others are selected out; 0: all",
          0, 100_000_000, false),
      choice(BOX_FORMAT, "xyxy", "proposal boxes: xyxy (columns x1, y1, x2, y2) | xywh (x, y, w, h) | cxcywh (cx, cy, w, h); converted to x1..y2 in float32 as torchvision's box_convert",
          "xyxy", "xywh", "cxcywh"),
      bool(BOX_NORMALIZED, "false", "box coordinates are fractions of the image: multiplied (after the conversion) by the proposals' image_width and image_height columns", false),
      bool(BOX_RESIZE, "false", "boxes are in the original image's pixels, the maps of the image resized for the backbone: scaled per axis by input_width/image_width and input_height/image_height (proposal columns; float32, as torchvision's resize_boxes)", false),
      choice(OP, "roi_align", "the operator", Arrays.stream(RoiOp.values())
          .map(RoiOp::configName).toArray(String[]::new)),
      integer(POOLED_HEIGHT, "7", "output bins per column (PH)", 1, MAX_POOLED, false),
      integer(POOLED_WIDTH, "7", "output bins per row (PW)", 1, MAX_POOLED, false),
      choice(SEMANTICS, "torchvision", "framework convention: torchvision | detectron2 | mmdet | onnx (defaults of the options below)",
          "torchvision", "detectron2", "mmdet", "mmdetection", "onnx"),
      integer(SAMPLING_RATIO, "", "RoI Align samples per bin per axis; <= 0 adaptive ceil(roi/pooled); empty: the semantics' (torchvision -1, others 0)",
          -1_000, 1_000, true),
      bool(ALIGNED, "", "RoI Align half-pixel offset, no >=1 size clamp (torchvision aligned=True); empty: the semantics' (torchvision false, others true)", true),
      choice(MODE, "avg", "RoI Align reduction: avg | max (the semantics' max: onnx -> onnx_max, else interpolated) | onnx_max | interpolated_max",
          "avg", "max", "onnx_max", "interpolated_max"),
      choiceOrEmpty(LEVEL_MAPPER, "multiscale level formula: torchvision | detectron2 | mmdet; empty: the semantics'",
          "torchvision", "detectron2", "mmdet"),
      text(LEVEL, "", "single-level ops: which map level to use when images have several"),
      text(LEVELS, "", "multiscale_roi_align: levels to use, finest first (default: all, by scale)"),
      positiveNumber(CANONICAL_SCALE, "multiscale level mapping: canonical box size s0 (mmdet: finest_scale); empty: the semantics' (224, mmdet 56)"),
      integer(CANONICAL_LEVEL, "", "multiscale level mapping: canonical level k0; empty: the semantics' (4)", -64, 64, true),
      text(OUTPUT_PATH, null, "output Parquet directory (one row per RoI); must not be, contain or lie inside an input"),
      text(REJECTS_PATH, "", "rejects Parquet directory (default: <output.path>_rejects); must not overlap the output or an input"),
      choice(SAVE_MODE, "error", "error (refuse an existing output) | overwrite (replace an earlier roi-features output; anything else is refused) | append (add the images the output does not hold yet, as a new run=<id> directory; settings must match)",
          "error", "overwrite", "append"),
      integer(LOCK_TIMEOUT, String.valueOf(org.roifeatures.spark.output.OutputLock.DEFAULT_TIMEOUT_SECONDS), "append: seconds without a heartbeat after which a lock held from another host counts as stale and is taken over (on the same host a dead holder's lock is taken over at once)",
          10, 7 * 24 * 3600, false),
      text(REDO_IMAGES, "", "append: a text file (or directory) of image ids, one per line, to recompute from this run's inputs; their earlier rows (features and rejects) leave the output when this run commits"),
      text(LOCK_BREAK, "", "append: the run id of a lock holder you know to be dead (named in the refusal, exit 5): its lock is broken even if it does not look stale"),
      choice(VECTOR_FORMAT, "binary", "features column: binary (float LE bytes) | array (array<float>) | vector (Spark ML VectorUDT)",
          "binary", "array", "vector"),
      choice(PRECISION, "float32", "binary vector precision: float32 | float16 | bfloat16",
          "float32", "float16", "bfloat16"),
      choice(COMPRESSION, "snappy", "Parquet codec: snappy | zstd | gzip | lz4 | lz4_raw | none",
          "snappy", "zstd", "gzip", "lz4", "lz4_raw", "none"),
      choice(WRITER, "roi-features", "Parquet writer of the features output: roi-features (pages encoded in place, one copy per vector) | spark (Spark's own writer)",
          "roi-features", "spark"),
      choiceOrEmpty(PARTITION_BY, "optional output partition column: level | label (empty: none)",
          "level", "label"),
      integer(PARTITIONS, "0", "number of compute partitions (0: Spark's default parallelism)", 0,
          1_000_000, false),
      bool(FAIL_ON_REJECTS, "false", "fail the job (exit 3, after writing; the run is not marked complete) if any proposal was rejected", false),
      text(SUMMARY_JSON, "", "also write the run summary (_run_summary.json's content, with exit_code) to this path, whatever the outcome, for an orchestrator (--summary-json PATH)"),
      check(BATCH_ROIS, "auto", "RoIs pooled per kernel call (1.." + MAX_BATCH_ROIS + "), or auto: as many as fill 1 MiB of output (1..64), so it stays in cache; bounds the task's output buffer",
          false, JobOptions::batchProblem),
      integer(INDEX_COLLECT_LIMIT, "100000", "map index entries (one per image and level) up to which the driver collects the index and broadcasts it as a lookup by image id (fewer, faster Spark jobs, no join); larger indexes are aggregated and joined by Spark; 0: always Spark",
          0, Integer.MAX_VALUE, false),
      check(MAPS_MAX_BYTES, "1g", "largest decoded size of one map (C*H*W*4 bytes) a task will allocate; a map whose file claims more is rejected (MAP_UNREADABLE) before any allocation; bytes, or with suffix k | m | g",
          false, v -> ByteSize.problem(v)),
      bool(MAPS_VERIFY_CHECKSUMS, "true", "verify the CRC32 of every Parquet maps page that carries one; a mismatch rejects the image (MAP_UNREADABLE) naming file and page", false),
      internal(check(TESTING_FAIL_PARTITIONS, "", "testing only: feature-pass partitions whose first attempt fails mid-way",
          true, JobOptions::intListProblem)),
      internal(integer(TESTING_FAIL_AFTER_ROWS, "5", "testing only: rows a failing attempt emits before it throws", 0, Integer.MAX_VALUE, false)),
      internal(integer(TESTING_FAIL_ATTEMPTS, "1", "testing only: how many attempts of each such partition fail", 1, 1_000, false)),
      internal(choice(TESTING_FAIL_MODE, "throw", "testing only: throw (the task fails) | kill-executor (the executor JVM halts; cluster only)",
          "throw", "kill-executor")),
      internal(choiceOrEmpty(TESTING_HOLD_PHASE, "testing only: index | features | rejects: that pass stops after its first row and waits to be killed (kill tests)",
          "index", "features", "rejects")),
      internal(choiceOrEmpty(TESTING_STOP_COMMIT, "testing only: record | features: an append run's commit stops after writing its record, or after renaming its features in (crash tests)",
          "record", "features")));

  private JobOptions() {}

  /** Key → option, in documentation order. */
  public static Map<String, Option> byKey() {
    Map<String, Option> m = new LinkedHashMap<>();
    for (Option o : ALL) {
      m.put(o.key(), o);
    }
    return m;
  }

  /**
   * Checks one setting as {@link JobConfig#resolve} would: throws {@link IllegalArgumentException}
   * naming an unknown key, or the key and the problem with its value.
   */
  public static void check(String key, String value) {
    Option o = byKey().get(key);
    if (o == null) {
      throw new IllegalArgumentException("unknown option '" + key + "'; see --help");
    }
    String problem = value == null ? "must be set" : o.problem(value.trim());
    if (problem != null) {
      throw new IllegalArgumentException("option " + key + " " + problem);
    }
  }

  /** The options a user sees: every option but the internal ones, in documentation order. */
  public static List<Option> userOptions() {
    List<Option> out = new ArrayList<>();
    for (Option o : ALL) {
      if (!o.internal()) {
        out.add(o);
      }
    }
    return out;
  }

  /** The default of {@code key} (null when it has none). */
  public static String defaultOf(String key) {
    return byKey().get(key).defaultValue();
  }

  /** The {@code --help} text for all user options. */
  public static String help() {
    StringBuilder s = new StringBuilder();
    for (Option o : userOptions()) {
      s.append(String.format("  --%-22s %s%n", o.key(), o.fullDoc()));
      s.append(String.format("  %-24s default: %s%n", "", o.defaultText()));
    }
    return s.toString();
  }

  private static Option text(String key, String def, String doc) {
    return new Option(key, def, doc, List.of(), true, null, false);
  }

  private static Option choice(String key, String def, String doc, String... choices) {
    return new Option(key, def, doc, List.of(choices), false, null, false);
  }

  private static Option choiceOrEmpty(String key, String doc, String... choices) {
    return new Option(key, "", doc, List.of(choices), true, null, false);
  }

  private static Option check(String key, String def, String doc, boolean emptyAllowed,
      Function<String, String> check) {
    return new Option(key, def, doc, List.of(), emptyAllowed, check, false);
  }

  private static Option internal(Option o) {
    return new Option(o.key(), o.defaultValue(), o.doc(), o.choices(), o.emptyAllowed(), o.check(),
        true);
  }

  private static Option bool(String key, String def, String doc, boolean emptyAllowed) {
    return check(key, def, doc, emptyAllowed, v -> v.equalsIgnoreCase("true")
        || v.equalsIgnoreCase("false") ? null : "must be true or false, got '" + v + "'");
  }

  private static Option integer(String key, String def, String doc, int min, int max,
      boolean emptyAllowed) {
    return check(key, def, doc, emptyAllowed, v -> intProblem(v, min, max));
  }

  private static Option positiveNumber(String key, String doc) {
    return check(key, "", doc, true, v -> {
      try {
        double d = Double.parseDouble(v);
        return d > 0 && !Double.isInfinite(d) ? null : "must be a number > 0, got '" + v + "'";
      } catch (NumberFormatException e) {
        return "must be a number, got '" + v + "'";
      }
    });
  }

  private static String numberProblem(String v) {
    try {
      double d = Double.parseDouble(v.trim());
      return Double.isFinite(d) ? null : "must be a finite number, got '" + v + "'";
    } catch (NumberFormatException e) {
      return "must be a number, got '" + v + "'";
    }
  }

  static String intProblem(String v, long min, long max) {
    long n;
    try {
      n = Long.parseLong(v.trim());
    } catch (NumberFormatException e) {
      return "must be an integer, got '" + v + "'";
    }
    if (n < min || n > max) {
      return "must be " + (max == Integer.MAX_VALUE ? ">= " + min : "in " + min + ".." + max)
          + ", got " + n;
    }
    return null;
  }

  private static String batchProblem(String v) {
    if (v.trim().equalsIgnoreCase("auto")) {
      return null;
    }
    String p = intProblem(v, 1, MAX_BATCH_ROIS);
    return p == null ? null : "must be auto or an integer in 1.." + MAX_BATCH_ROIS + ", got '" + v + "'";
  }

  private static String intListProblem(String v) {
    for (String part : v.split(",")) {
      if (!part.isBlank() && intProblem(part, 0, Integer.MAX_VALUE) != null) {
        return "must be a comma-separated list of partition numbers, got '" + v + "'";
      }
    }
    return null;
  }
}
