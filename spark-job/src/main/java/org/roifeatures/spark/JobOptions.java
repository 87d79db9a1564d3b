package org.roifeatures.spark;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every configuration key of the job, its default and a one-line description. This is the single
 * source for {@code --help}, the README's configuration table and {@code conf/roi-features.properties}.
 * Keys are read by {@link JobConfig} with the precedence: command line, then config file, then the
 * Spark session's {@code spark.roifeatures.<key>}, then the default below.
 */
public final class JobOptions {

  /** One configuration key. {@code defaultValue} null means "no default". */
  public record Option(String key, String defaultValue, String doc) {}

  public static final String MAPS_PATH = "maps.path";
  public static final String MAPS_FORMAT = "maps.format";
  public static final String MAPS_SCALES = "maps.scales";
  public static final String PROPOSALS_PATH = "proposals.path";
  public static final String PROPOSALS_FORMAT = "proposals.format";
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
  public static final String VECTOR_FORMAT = "output.vector.format";
  public static final String PRECISION = "output.precision";
  public static final String COMPRESSION = "output.compression";
  public static final String PARTITION_BY = "output.partition.by";
  public static final String WRITER = "output.writer";
  public static final String PARTITIONS = "partitions";
  public static final String FAIL_ON_REJECTS = "fail.on.rejects";
  public static final String BATCH_ROIS = "batch.rois";
  public static final String INDEX_COLLECT_LIMIT = "maps.index.collect.limit";
  public static final String MAPS_MAX_BYTES = "maps.max.bytes";
  public static final String MAPS_VERIFY_CHECKSUMS = "maps.verify.checksums";
  public static final String TESTING_FAIL_PARTITIONS = "testing.fail.partitions";
  public static final String TESTING_FAIL_AFTER_ROWS = "testing.fail.after.rows";
  public static final String TESTING_FAIL_ATTEMPTS = "testing.fail.attempts";
  public static final String TESTING_FAIL_MODE = "testing.fail.mode";

  static final List<Option> ALL = List.of(
      new Option(MAPS_PATH, null, "feature maps: a Parquet dir/file, Arrow IPC file(s) or a dir of .npy files"),
      new Option(MAPS_FORMAT, "auto", "parquet | arrow | npy | auto (from the path's extension / contents)"),
      new Option(MAPS_SCALES, "", "npy maps: spatial scale per level, e.g. 'p3=0.125,p4=0.0625' or one number for single-level maps"),
      new Option(PROPOSALS_PATH, null, "proposals: Parquet, CSV (with header) or JSON lines"),
      new Option(PROPOSALS_FORMAT, "auto", "parquet | csv | json | auto (from the extension)"),
      new Option(OP, "roi_align", "roi_align | roi_pool | ps_roi_align | ps_roi_pool | multiscale_roi_align"),
      new Option(POOLED_HEIGHT, "7", "output bins per column (PH)"),
      new Option(POOLED_WIDTH, "7", "output bins per row (PW)"),
      new Option(SEMANTICS, "torchvision", "framework convention: torchvision | detectron2 | mmdet | onnx (defaults of the options below)"),
      new Option(SAMPLING_RATIO, "", "RoI Align samples per bin per axis; <= 0 adaptive ceil(roi/pooled); empty: the semantics' (torchvision -1, others 0)"),
      new Option(ALIGNED, "", "RoI Align half-pixel offset, no >=1 size clamp (torchvision aligned=True); empty: the semantics' (torchvision false, others true)"),
      new Option(MODE, "avg", "RoI Align reduction: avg | max (the semantics' max: onnx -> onnx_max, else interpolated) | onnx_max | interpolated_max"),
      new Option(LEVEL_MAPPER, "", "multiscale level formula: torchvision | detectron2 | mmdet; empty: the semantics'"),
      new Option(LEVEL, "", "single-level ops: which map level to use when images have several"),
      new Option(LEVELS, "", "multiscale_roi_align: levels to use, finest first (default: all, by scale)"),
      new Option(CANONICAL_SCALE, "", "multiscale level mapping: canonical box size s0 (mmdet: finest_scale); empty: the semantics' (224, mmdet 56)"),
      new Option(CANONICAL_LEVEL, "", "multiscale level mapping: canonical level k0; empty: the semantics' (4)"),
      new Option(OUTPUT_PATH, null, "output Parquet directory (one row per RoI)"),
      new Option(REJECTS_PATH, "", "rejects Parquet directory (default: <output.path>_rejects)"),
      new Option(SAVE_MODE, "error", "error (refuse existing output) | overwrite"),
      new Option(VECTOR_FORMAT, "binary", "features column: binary (float LE bytes) | array (array<float>) | vector (Spark ML VectorUDT)"),
      new Option(PRECISION, "float32", "binary vector precision: float32 | float16 | bfloat16"),
      new Option(COMPRESSION, "snappy", "Parquet codec: snappy | zstd | gzip | lz4 | lz4_raw | none"),
      new Option(WRITER, "roi-features", "Parquet writer of the features output: roi-features (pages encoded in place, one copy per vector) | spark (Spark's own writer)"),
      new Option(PARTITION_BY, "", "optional output partition column: level | label (empty: none)"),
      new Option(PARTITIONS, "0", "number of compute partitions (0: Spark's default parallelism)"),
      new Option(FAIL_ON_REJECTS, "false", "fail the job (after writing) if any proposal was rejected"),
      new Option(BATCH_ROIS, "auto", "RoIs pooled per kernel call, or auto: as many as fill 1 MiB of output (1..64), so it stays in cache; bounds the task's output buffer"),
      new Option(INDEX_COLLECT_LIMIT, "100000", "map index entries (one per image and level) up to which the driver collects the index and broadcasts it as a lookup by image id (fewer, faster Spark jobs, no join); larger indexes are aggregated and joined by Spark; 0: always Spark"),
      new Option(MAPS_MAX_BYTES, "1g", "largest decoded size of one map (C*H*W*4 bytes) a task will allocate; a map whose file claims more is rejected (MAP_UNREADABLE) before any allocation; bytes, or with suffix k | m | g"),
      new Option(MAPS_VERIFY_CHECKSUMS, "true", "verify the CRC32 of every Parquet maps page that carries one; a mismatch rejects the image (MAP_UNREADABLE) naming file and page"),
      new Option(TESTING_FAIL_PARTITIONS, "", "testing only: feature-pass partitions whose first attempt fails mid-way"),
      new Option(TESTING_FAIL_AFTER_ROWS, "5", "testing only: rows a failing attempt emits before it throws"),
      new Option(TESTING_FAIL_ATTEMPTS, "1", "testing only: how many attempts of each such partition fail"),
      new Option(TESTING_FAIL_MODE, "throw", "testing only: throw (the task fails) | kill-executor (the executor JVM halts; cluster only)"));

  private JobOptions() {}

  /** Key → option, in documentation order. */
  static Map<String, Option> byKey() {
    Map<String, Option> m = new LinkedHashMap<>();
    for (Option o : ALL) {
      m.put(o.key(), o);
    }
    return m;
  }

  /** The default of {@code key} (null when it has none). */
  static String defaultOf(String key) {
    return byKey().get(key).defaultValue();
  }

  /** The {@code --help} text for all options. */
  static String help() {
    StringBuilder s = new StringBuilder();
    for (Option o : ALL) {
      s.append(String.format("  --%-22s %s%n", o.key(), o.doc()));
      s.append(String.format("  %-24s default: %s%n", "",
          o.defaultValue() == null ? "(required)" : o.defaultValue().isEmpty() ? "(empty)"
              : o.defaultValue()));
    }
    return s.toString();
  }
}
