package org.roifeatures.spark;

import org.roifeatures.spark.conf.JobConfig;
import org.roifeatures.spark.conf.JobOptions;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.DataFrameWriter;
import org.apache.spark.util.LongAccumulator;
import org.roifeatures.ops.LevelMapper;
import org.roifeatures.ops.PoolingMode;
import org.roifeatures.ops.Semantics;
import org.roifeatures.spark.io.InputErrors;
import org.roifeatures.spark.output.ImageRedo;
import org.roifeatures.spark.output.IncrementalOutput;
import org.roifeatures.spark.output.OutputPaths;
import org.roifeatures.spark.output.RunRecord;
import org.roifeatures.spark.parquet.EmptyParquetOutput;
import org.roifeatures.spark.parquet.FeatureParquetFormat;
import org.roifeatures.spark.task.OutputRows;
import org.roifeatures.spark.task.TaskClock;

/**
 * The job: check the paths → plan ({@link FeaturePlan}: index, proposals, one shuffle by image) →
 * write the features, pooled in one Spark job → write the rejects with the map-load failures the
 * features pass found (counted as written; an empty output without a pass when it left none) → the
 * run record and the summary. Append mode writes through {@code IncrementalOutput}.
 */
public final class RoiFeaturesJob {

  private RoiFeaturesJob() {}

  /** Runs the job with a resolved configuration on an existing session. */
  public static JobSummary run(SparkSession spark, JobConfig cfg) {
    int partitions = FeaturePlan.partitions(spark, cfg);
    // Everything this job shuffles is small (proposals, index rows, rejects): Spark's default of 200
    // shuffle partitions only adds task overhead (seconds per stage in local mode). Unless the user
    // set spark.sql.shuffle.partitions, use the compute partition count while the job runs.
    boolean ownShufflePartitions = !spark.conf().contains(SHUFFLE_PARTITIONS);
    if (ownShufflePartitions) {
      spark.conf().set(SHUFFLE_PARTITIONS, Integer.toString(Math.max(partitions, 1)));
    }
    FeaturePlan.Counters counters = FeaturePlan.Counters.register(spark.sparkContext());
    ProgressListener progress = new ProgressListener(counters.images(), counters.rois(), 10_000);
    spark.sparkContext().addSparkListener(progress);
    try {
      return run(spark, cfg, partitions, counters);
    } finally {
      spark.sparkContext().removeSparkListener(progress);
      spark.sparkContext().setJobDescription(null);
      if (ownShufflePartitions) {
        spark.conf().unset(SHUFFLE_PARTITIONS);
      }
    }
  }

  /** Records the wall time since {@code since} as phase {@code name}; returns now. */
  private static long lap(Map<String, Double> phases, String name, long since) {
    long now = System.nanoTime();
    phases.put(name, (now - since) / 1e9);
    return now;
  }

  /** Names the Spark jobs that follow, in the progress log and the Spark UI. */
  private static void phase(SparkSession spark, String what) {
    spark.sparkContext().setJobDescription("roi-features: " + what);
  }

  private static final String SHUFFLE_PARTITIONS = "spark.sql.shuffle.partitions";

  private static JobSummary run(SparkSession spark, JobConfig cfg, int partitions,
      FeaturePlan.Counters counters) {
    long start = System.nanoTime();
    String startedAt = java.time.Instant.now().toString();
    Configuration hadoopConf = spark.sparkContext().hadoopConfiguration();
    String mode = cfg.getChoice(JobOptions.SAVE_MODE);
    boolean overwrite = mode.equals("overwrite");
    boolean append = mode.equals("append");
    // Append runs write into fresh staging directories of their own (IncrementalOutput).
    SaveMode saveMode = overwrite ? SaveMode.Overwrite : SaveMode.ErrorIfExists;
    // Every path decision before any data is read: nothing below can delete or change an input.
    Map<String, String> inputs = new LinkedHashMap<>();
    inputs.put(JobOptions.MAPS_PATH, cfg.get(JobOptions.MAPS_PATH));
    inputs.put(JobOptions.PROPOSALS_PATH, cfg.get(JobOptions.PROPOSALS_PATH));
    inputs.put(JobOptions.REDO_IMAGES, cfg.get(JobOptions.REDO_IMAGES));
    OutputPaths.Resolved out;
    IncrementalOutput incremental = null;
    List<String> doneImages = List.of();
    try {
      if (!append && !cfg.get(JobOptions.REDO_IMAGES).isEmpty()) {
        throw new IllegalArgumentException(JobOptions.REDO_IMAGES + " needs output.mode append");
      }
      out = OutputPaths.check(hadoopConf, cfg.get(JobOptions.OUTPUT_PATH),
          cfg.get(JobOptions.REJECTS_PATH), inputs, mode, cfg.get(JobOptions.SUMMARY_JSON));
      if (append) {
        incremental = new IncrementalOutput(hadoopConf, out.features(), out.rejects(),
            java.time.Duration.ofSeconds(cfg.getInt(JobOptions.LOCK_TIMEOUT)),
            cfg.get(JobOptions.LOCK_BREAK));
        incremental.stopCommitAfter(cfg.get(JobOptions.TESTING_STOP_COMMIT));
        doneImages = incremental.prepare();
      }
    } catch (IOException | IllegalArgumentException e) {
      IllegalArgumentException refused = e instanceof IllegalArgumentException iae ? iae
          : new IllegalArgumentException("cannot read the runs of " + cfg.get(JobOptions.OUTPUT_PATH)
              + ": " + e.getMessage(), e);
      Map<String, Object> record = new LinkedHashMap<>();
      record.put("format_version", RunSummaryJson.FORMAT_VERSION);
      record.put("status", "failed");
      record.put("error", OutputPaths.oneLineMessage(refused));
      record.put("started_at", startedAt);
      record.put("exit_code", exitCode(refused));
      if (!(refused instanceof OutputPaths.UnsafeReportPath)) {
        reportTo(hadoopConf, cfg, record, false);
      }
      throw refused;
    }
    RunState state = new RunState(cfg, out, startedAt, incremental, doneImages);
    try {
      JobSummary summary = run(spark, cfg, partitions, counters, out, saveMode, state, start);
      if (incremental != null) {
        try {
          incremental.commit(state.record(summary, "committed", null));
        } catch (IOException e) {
          throw new IllegalStateException("run " + incremental.runId() + " was written but could "
              + "not be committed to " + out.features() + ": " + e.getMessage()
              + " (the next append run redoes its images)", e);
        }
      }
      if (cfg.getBoolean(JobOptions.FAIL_ON_REJECTS) && summary.rejected() > 0) {
        RejectsFoundException e = new RejectsFoundException(summary);
        Map<String, Object> record = state.record(summary, "failed",
            summary.rejected() + " proposals were rejected (fail.on.rejects=true)");
        record.put("exit_code", 3);
        RunRecord.failed(hadoopConf, out.features(), record);
        reportTo(hadoopConf, cfg, record, false);
        throw e;
      }
      try {
        Map<String, Object> record = state.record(summary, "complete", null);
        record.put("exit_code", 0);
        // The orchestrator's copy first: a run whose report cannot be written is not complete.
        reportTo(hadoopConf, cfg, record, true);
        RunRecord.complete(hadoopConf, out.features(), out.rejects(), record);
      } catch (IOException e) {
        throw new IllegalStateException("every output was written, but the run could not be "
            + "marked complete in " + out.features() + ": " + e.getMessage(), e);
      }
      return summary;
    } catch (RejectsFoundException e) {
      throw e;
    } catch (Exception e) { // Spark rethrows task failures undeclared, checked ones included
      Map<String, Object> record = state.record(null, "failed", OutputPaths.oneLineMessage(e));
      record.put("exit_code", exitCode(e));
      reportTo(hadoopConf, cfg, record, false);
      if (state.featuresCommitted && state.incremental == null
          && !OutputPaths.exists(hadoopConf, out.features() + "/" + RunRecord.SUCCESS)) {
        RunRecord.failed(hadoopConf, out.features(), record);
      } else {
        removeIfEmptyAndNew(hadoopConf, out.features(), out.featuresExisted());
      }
      removeIfEmptyAndNew(hadoopConf, out.rejects(), out.rejectsExisted());
      throw e;
    } finally {
      if (incremental != null) {
        incremental.release(); // whatever the outcome: the next run must not wait for this one
      }
    }
  }

  /**
   * What the run record needs to know as the run goes: its settings and paths, and whether the
   * features output is committed (a failure after that keeps the features and records the failure
   * beside them).
   */
  private static final class RunState {
    final JobConfig cfg;
    final OutputPaths.Resolved out;
    final String startedAt;
    /** The append-mode layout, or null for error / overwrite. */
    final IncrementalOutput incremental;
    /** Append mode: the image lists of the runs already committed (their images are skipped). */
    final List<String> doneImages;
    /** Append mode: images the committed runs handled (skipped by this run), and this run's. */
    long imagesDoneBefore;
    long imagesHandled;
    boolean featuresCommitted;

    RunState(JobConfig cfg, OutputPaths.Resolved out, String startedAt,
        IncrementalOutput incremental, List<String> doneImages) {
      this.cfg = cfg;
      this.out = out;
      this.startedAt = startedAt;
      this.incremental = incremental;
      this.doneImages = doneImages;
    }

    Map<String, Object> record(JobSummary summary, String status, String error) {
      Map<String, Object> m = RunSummaryJson.of(cfg, out, startedAt, summary, status, error);
      if (incremental != null) {
        m.put("run_id", incremental.runId());
        m.put("runs_before", doneImages.size());
        m.put("images_done_before", imagesDoneBefore);
        m.put("images_handled", imagesHandled);
      }
      return m;
    }

    /** Where the features of this run are written (append: the run's staging directory). */
    String featuresTarget() {
      return incremental == null ? out.features() : incremental.stagingFeatures();
    }

    /** Where the rejects of this run are written (append: the run's staging directory). */
    String rejectsTarget() {
      return incremental == null ? out.rejects() : incremental.stagingRejects();
    }
  }

  /**
   * Writes the run record to {@code summary.json} when set. A complete run whose report cannot be
   * written fails (the orchestrator would not learn of it); a failing one only tries.
   */
  private static void reportTo(Configuration conf, JobConfig cfg, Map<String, Object> record,
      boolean mustSucceed) {
    String path = cfg.get(JobOptions.SUMMARY_JSON);
    if (path.isEmpty()) {
      return;
    }
    try {
      RunRecord.writeJson(conf, path, record);
    } catch (IOException | RuntimeException e) {
      if (mustSucceed) {
        throw new IllegalStateException("every output was written and the run is complete, but "
            + "summary.json " + path + " could not be written: " + e.getMessage(), e);
      }
    }
  }

  /** A directory this run created and left without data files is removed: it is no output. */
  private static void removeIfEmptyAndNew(Configuration conf, String dir, boolean existedBefore) {
    if (existedBefore) {
      return;
    }
    try {
      // Data files are kept for the user to look at.
      if (OutputPaths.exists(conf, dir) && !OutputPaths.hasDataFiles(conf, dir)) {
        Path p = new Path(dir);
        p.getFileSystem(conf).delete(p, true);
      }
    } catch (IOException | RuntimeException ignored) {
      // the run's own failure is what gets reported
    }
  }

  private static JobSummary run(SparkSession spark, JobConfig cfg, int partitions,
      FeaturePlan.Counters counters, OutputPaths.Resolved out, SaveMode saveMode,
      RunState state, long start) {
    String outputPath = out.features();
    String rejectsPath = out.rejects();

    ImageRedo redo = state.incremental == null ? null
        : ImageRedo.read(spark, cfg.get(JobOptions.REDO_IMAGES), JobOptions.REDO_IMAGES);
    Dataset<Row> done = null;
    if (!state.doneImages.isEmpty()) {
      // Append: images that a committed run handled are done (unless redone); the plan drops
      // them. Counted first, so that a run failing later records it too.
      done = spark.read().parquet(state.doneImages.toArray(String[]::new));
      done = redo == null ? done : redo.keepDone(done);
      state.imagesDoneBefore = done.count();
    }
    Map<String, Double> phases = new LinkedHashMap<>();
    long[] phaseStart = {System.nanoTime()};
    String[] current = {null};
    FeaturePlan plan = FeaturePlan.build(spark, cfg,
        FeaturePlan.ProposalSource.of(cfg.get(JobOptions.PROPOSALS_PATH)), partitions, counters,
        done, name -> {
          if (current[0] != null) {
            phaseStart[0] = lap(phases, current[0], phaseStart[0]);
          }
          current[0] = name;
          phase(spark, name.equals("index") ? "index feature maps"
              : "read, validate and group proposals");
        }, false);
    // Planning and schema only: the features pass reads, validates and shuffles the proposals.
    phaseStart[0] = lap(phases, current[0], phaseStart[0]);
    OpSettings settings = plan.settings();
    Map<String, String> description = plan.description();
    if (state.incremental != null) {
      refuseIncomparable(spark, outputPath, description, cfg);
    }
    if (!cfg.getChoice(JobOptions.SAVE_MODE).equals("error")) {
      // From here on the earlier output changes: its completion markers go first, so a run killed
      // half-way never leaves an earlier run's _SUCCESS beside new files. (Not earlier: a run refused
      // while planning leaves an intact output marked complete.)
      try {
        RunRecord.clear(spark.sparkContext().hadoopConfiguration(), outputPath, rejectsPath);
      } catch (IOException e) {
        throw new IllegalArgumentException("cannot remove the completion markers of the output "
            + "being replaced in " + outputPath + ": " + e.getMessage(), e);
      }
    }
    phase(spark, "shuffle proposals, pool and write features");
    InputErrors.saving("proposals", write(plan.features(), cfg, saveMode, settings.vectorFormat()),
        state.featuresTarget());
    state.featuresCommitted = true;
    phaseStart[0] = lap(phases, "features", phaseStart[0]);
    try {
      Map<String, String> sidecar = new LinkedHashMap<>(description);
      if (state.incremental != null) {
        sidecar.put("output.partition.by", cfg.get(JobOptions.PARTITION_BY));
      }
      OutputMetadata.writeSidecar(spark.sparkContext().hadoopConfiguration(), outputPath, sidecar);
    } catch (IOException e) {
      throw new IllegalStateException("features written, but " + OutputMetadata.SIDECAR
          + " could not be written to " + outputPath + ": " + e.getMessage(), e);
    }

    Map<String, String[]> failed = new HashMap<>();
    for (String f : counters.loadFailures().value()) {
      String[] parts = f.split("\u0001", 3);
      failed.putIfAbsent(parts[0], new String[] {parts[1], parts[2]});
    }
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    Broadcast<Map<String, String[]>> bFailed = jsc.broadcast(failed);
    // Counted by reason as the rejects are written (result-stage accumulators count each partition
    // once), instead of caching the rejects and counting them in a second job.
    Map<String, LongAccumulator> reasonCounts = new LinkedHashMap<>();
    for (RejectReason r : RejectReason.values()) {
      reasonCounts.put(r.name(), spark.sparkContext().longAccumulator("roi-features rejects " + r));
    }
    // The features pass counted what it left for this one: when nothing, an empty rejects output
    // (with its schema) is written from the driver, without another pass over the work rows.
    phase(spark, "write rejects");
    LongAccumulator leftForRejects = counters.leftForRejects();
    if (leftForRejects.value() == 0) {
      EmptyParquetOutput.write(spark, state.rejectsTarget(), OutputRows.REJECT_SCHEMA, saveMode);
    } else {
      plan.rejectsAfterFeatures(bFailed, reasonCounts).write().mode(saveMode)
          .option("compression", "snappy")
          .option(RunRecord.NO_SPARK_SUCCESS, "false").parquet(state.rejectsTarget());
    }
    Map<String, Long> byReason = new TreeMap<>();
    reasonCounts.forEach((reason, count) -> {
      if (count.value() > 0) {
        byReason.put(reason, count.value());
      }
    });
    long rejectRows = byReason.values().stream().mapToLong(Long::longValue).sum();
    if (rejectRows != leftForRejects.value()) {
      // Both passes derive rejects from the same rows with the same rules; a difference is a bug
      // that would otherwise lose or invent rejects silently.
      throw new IllegalStateException("internal error: the features pass left "
          + leftForRejects.value() + " proposals for the rejects output, which has " + rejectRows);
    }
    phaseStart[0] = lap(phases, "rejects", phaseStart[0]);
    if (state.incremental != null) {
      phase(spark, "record the images of this run");
      Dataset<Row> p = plan.proposals();
      p.select(FeaturePlan.imageKey(p).as("image_id")).distinct().write()
          .option(RunRecord.NO_SPARK_SUCCESS, "false").parquet(state.incremental.imagesPath());
      state.imagesHandled = spark.read().parquet(state.incremental.imagesPath()).count();
      if (redo != null) {
        // The runs holding redone images are replaced: their other rows are copied into this run.
        List<String> superseded = redo.runsHolding(spark, state.doneImages);
        redo.carryOver(spark, state.incremental, superseded, plan.features().schema(),
            OutputRows.REJECT_SCHEMA, (rows, path) -> write(rows, cfg, SaveMode.Append,
                settings.vectorFormat()).save(path));
        state.incremental.supersede(superseded);
      }
      lap(phases, "image list", phaseStart[0]);
    }
    plan.release();
    bFailed.destroy();
    double seconds = (System.nanoTime() - start) / 1e9;
    TaskClock clock = counters.clock();
    return new JobSummary(counters.proposals().value(), counters.images().value(),
        counters.rois().value(), byReason, outputPath, rejectsPath, seconds, settings.toString(),
        new JobSummary.Timing(phases.get("features"), clock.readSeconds(), clock.poolSeconds(),
            clock.encodeSeconds(), phases), plan.selection().count());
  }

  /**
   * Append mode: refuses a run whose vectors would not be comparable with the output's (another op,
   * pooled size, channels, semantics, sampling, alignment, mode, levels, scales, vector format,
   * precision, or partition layout), naming the first setting that differs.
   */
  private static void refuseIncomparable(SparkSession spark, String outputPath,
      Map<String, String> description, JobConfig cfg) {
    Map<String, String> stored;
    try {
      stored = OutputMetadata.readSidecar(spark.sparkContext().hadoopConfiguration(), outputPath);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read " + OutputMetadata.SIDECAR + " of "
          + outputPath + ": " + e.getMessage(), e);
    }
    if (stored == null) {
      return; // the first run of this output
    }
    Map<String, String> now = new LinkedHashMap<>(description);
    now.put("output.partition.by", cfg.get(JobOptions.PARTITION_BY));
    Map<String, String> before = new LinkedHashMap<>(stored);
    before.putIfAbsent("output.partition.by", "");
    for (String ignored : OutputMetadata.NOT_COMPARED) {
      now.remove(ignored);
      before.remove(ignored);
    }
    String differs = IncrementalOutput.firstDifference(before, now);
    if (differs != null) {
      throw new IllegalArgumentException("output.mode append: " + outputPath + " holds vectors with "
          + differs + "=" + before.get(differs) + ", this run would write " + differs + "="
          + now.get(differs) + "; rows would not be comparable: use the same settings or a new "
          + "output path");
    }
  }

  /**
   * The exit code a failure means to an orchestrator: 2 bad arguments or options (fix the command),
   * 4 an input that cannot be read (fix the data), 3 rejects with {@code fail.on.rejects}, 5 the
   * output is locked by another append run (retry later), 1 anything else.
   */
  public static int exitCode(Throwable e) {
    if (e instanceof org.roifeatures.spark.output.OutputLock.Held) {
      return org.roifeatures.spark.output.OutputLock.EXIT_LOCKED;
    }
    if (e instanceof org.roifeatures.spark.io.InputException) {
      return 4;
    }
    if (e instanceof RejectsFoundException) {
      return 3;
    }
    return e instanceof IllegalArgumentException ? 2 : 1;
  }

  /** Thrown after writing when {@code fail.on.rejects=true} and something was rejected. */
  public static final class RejectsFoundException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final transient JobSummary summary;

    RejectsFoundException(JobSummary summary) {
      super(summary.rejected() + " proposals were rejected (fail.on.rejects=true); see "
          + summary.rejectsPath() + "\n" + summary.table());
      this.summary = summary;
    }

    public JobSummary summary() {
      return summary;
    }
  }

  private static DataFrameWriter<Row> write(Dataset<Row> features, JobConfig cfg, SaveMode mode,
      VectorFormat vectorFormat) {
    String codec = cfg.getChoice(JobOptions.COMPRESSION);
    // Both write Parquet that Spark reads back the same (see FeatureParquetFormat); ours copies
    // each vector once.
    String format = cfg.getChoice(JobOptions.WRITER).equals("spark")
        ? "parquet" : FeatureParquetFormat.class.getName();
    // Completion is marked for the whole run at its end (RunRecord), not by Spark per output.
    DataFrameWriter<Row> w = features.write().format(format).mode(mode)
        .option("compression", codec.equals("none") ? "uncompressed" : codec)
        .option(RunRecord.NO_SPARK_SUCCESS, "false")
        // Overwrite replaces the whole output, whatever the session's partitionOverwriteMode.
        .option("partitionOverwriteMode", "static");
    if (vectorFormat == VectorFormat.BINARY) {
      w = BinaryVectorColumn.options(w);
    }
    String partitionBy = cfg.getChoice(JobOptions.PARTITION_BY);
    if (!partitionBy.isEmpty()) {
      w = w.partitionBy(partitionBy);
    }
    return w;
  }

  static OpSettings settings(JobConfig cfg, IndexStats stats, Map<String, Double> configuredScales) {
    RoiOp op = RoiOp.parse(cfg.get(JobOptions.OP));
    int ph = cfg.getInt(JobOptions.POOLED_HEIGHT);
    int pw = cfg.getInt(JobOptions.POOLED_WIDTH);
    if (ph <= 0 || pw <= 0) {
      throw new IllegalArgumentException("pooled size must be > 0, got pooled.height=" + ph
          + " pooled.width=" + pw);
    }
    String[] levels;
    if (op == RoiOp.MULTISCALE_ROI_ALIGN) {
      String given = cfg.get(JobOptions.LEVELS);
      if (!given.isEmpty()) {
        levels = Arrays.stream(given.split(",")).map(String::trim).toArray(String[]::new);
      } else {
        List<String> byScale = new ArrayList<>(stats.levels());
        byScale.sort((a, b) -> Double.compare(stats.scaleOf(b, configuredScales),
            stats.scaleOf(a, configuredScales)));
        levels = byScale.toArray(String[]::new);
      }
      for (String l : levels) {
        double sc = stats.scaleOf(l, configuredScales);
        if (!(sc > 0)) {
          throw new IllegalArgumentException("level '" + l + "' has no spatial scale; maps found "
              + "with levels " + stats.levels() + "; set maps.scales");
        }
      }
    } else {
      String given = cfg.get(JobOptions.LEVEL);
      if (!given.isEmpty()) {
        levels = new String[] {given};
      } else if (stats.levels().size() == 1) {
        levels = new String[] {stats.levels().get(0)};
      } else {
        throw new IllegalArgumentException("feature maps have levels " + stats.levels()
            + "; choose one with --level, or use --op multiscale_roi_align");
      }
    }
    int channels = stats.commonChannels(levels);
    if (op.positionSensitive() && channels % (ph * pw) != 0) {
      throw new IllegalArgumentException(op.configName() + " needs channels divisible by "
          + "pooled.height*pooled.width = " + ph * pw + ", but the maps have " + channels);
    }
    long rowFloats = op.positionSensitive() ? channels : (long) channels * ph * pw;
    if (rowFloats * Float.BYTES > MAX_ROW_BYTES) {
      throw new IllegalArgumentException("a vector of " + channels + " channels x pooled "
          + ph + "x" + pw + " = " + rowFloats + " floats (" + rowFloats * Float.BYTES / (1 << 20)
          + " MiB) is too large for one output row (at most " + MAX_ROW_BYTES / (1 << 20)
          + " MiB); lower pooled.height / pooled.width");
    }
    int batch = batchRois(cfg.get(JobOptions.BATCH_ROIS), (int) rowFloats);
    if ((long) batch * rowFloats > MAX_BATCH_FLOATS) {
      throw new IllegalArgumentException("batch.rois=" + batch + " x a vector of " + rowFloats
          + " floats needs a " + (long) batch * rowFloats * Float.BYTES / (1 << 20)
          + " MiB output buffer per task (at most " + MAX_BATCH_FLOATS * Float.BYTES / (1 << 20)
          + " MiB); lower batch.rois or use auto");
    }
    VectorFormat vf = VectorFormat.valueOf(cfg.getChoice(JobOptions.VECTOR_FORMAT).toUpperCase(Locale.ROOT));
    Precision precision = Precision.valueOf(cfg.getChoice(JobOptions.PRECISION).toUpperCase(Locale.ROOT));
    if (precision != Precision.FLOAT32 && vf != VectorFormat.BINARY) {
      throw new IllegalArgumentException("output.precision=" + precision.name().toLowerCase(Locale.ROOT)
          + " needs output.vector.format=binary");
    }
    Semantics sem = semantics(cfg);
    PoolingMode mode = switch (cfg.getChoice(JobOptions.MODE)) {
      case "avg" -> PoolingMode.AVG;
      case "max" -> sem.maxMode();
      case "onnx_max" -> PoolingMode.ONNX_MAX;
      default -> PoolingMode.MAX;
    };
    boolean aligned = sem.aligned();
    if (op == RoiOp.ROI_ALIGN_ROTATED) {
      // detectron2 defines the rotated op only aligned (half-pixel) and averaged.
      if (mode != PoolingMode.AVG) {
        throw new IllegalArgumentException("roi_align_rotated supports mode=avg only, got mode="
            + cfg.get(JobOptions.MODE));
      }
      if (cfg.get(JobOptions.ALIGNED).equalsIgnoreCase("false")) {
        throw new IllegalArgumentException("roi_align_rotated is always aligned (half-pixel); "
            + "remove aligned=false");
      }
      aligned = true;
    }
    return new OpSettings(op, ph, pw, sem.samplingRatio(), aligned, mode, levels,
        configuredScales, sem, channels, vf, precision, batch);
  }

  /** Largest vector in bytes: one Parquet value and one Java array must hold it, with room to spare. */
  static final long MAX_ROW_BYTES = 1L << 28;

  /** Largest task output buffer ({@code batch.rois} x vector length), in floats: 256 MiB. */
  static final long MAX_BATCH_FLOATS = 1L << 26;

  /** Output floats per kernel call that {@code batch.rois=auto} aims at: 1 MiB, half an L2. */
  static final int AUTO_BATCH_FLOATS = 1 << 18;

  /** Largest {@code auto} batch: beyond it, per-call work is already negligible. */
  static final int AUTO_BATCH_MAX = 64;

  /**
   * RoIs per kernel call: a number, or {@code auto} — as many RoIs as fill {@link #AUTO_BATCH_FLOATS}
   * of output (at least 1, at most {@link #AUTO_BATCH_MAX}), so that the kernels' output and the
   * encoder's input stay in cache (an output buffer in memory costs the kernels ≈ 20% more time).
   */
  static int batchRois(String value, int rowLength) {
    if (value.trim().equalsIgnoreCase("auto")) {
      return Math.max(1, Math.min(AUTO_BATCH_MAX, AUTO_BATCH_FLOATS / Math.max(1, rowLength)));
    }
    int batch;
    try {
      batch = Integer.parseInt(value.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("batch.rois must be a number > 0 or auto, got '" + value
          + "'");
    }
    if (batch <= 0) {
      throw new IllegalArgumentException("batch.rois must be > 0 or auto, got " + batch);
    }
    return batch;
  }

  /**
   * The {@code semantics} preset with every knob the configuration sets explicitly applied on top
   * (an empty option means "the preset's value").
   */
  static Semantics semantics(JobConfig cfg) {
    Semantics sem = Semantics.preset(cfg.get(JobOptions.SEMANTICS));
    if (!cfg.get(JobOptions.ALIGNED).isEmpty()) {
      sem = sem.withAligned(cfg.getBoolean(JobOptions.ALIGNED));
    }
    if (!cfg.get(JobOptions.SAMPLING_RATIO).isEmpty()) {
      sem = sem.withSamplingRatio(cfg.getInt(JobOptions.SAMPLING_RATIO));
    }
    if (!cfg.get(JobOptions.LEVEL_MAPPER).isEmpty()) {
      sem = sem.withLevelFormula(LevelMapper.Formula.valueOf(cfg.getChoice(JobOptions.LEVEL_MAPPER).toUpperCase(Locale.ROOT)));
    }
    if (!cfg.get(JobOptions.CANONICAL_SCALE).isEmpty()) {
      sem = sem.withCanonicalScale(cfg.getDouble(JobOptions.CANONICAL_SCALE));
    }
    if (!cfg.get(JobOptions.CANONICAL_LEVEL).isEmpty()) {
      sem = sem.withCanonicalLevel(cfg.getInt(JobOptions.CANONICAL_LEVEL));
    }
    return sem;
  }

  /** "p3=0.125,p4=0.0625" → map; a bare number applies to every level ("*"). */
  static Map<String, Double> parseScales(String text) {
    Map<String, Double> m = new LinkedHashMap<>();
    if (text.isBlank()) {
      return m;
    }
    for (String part : text.split(",")) {
      String p = part.trim();
      String key = "*";
      String value = p;
      int eq = p.indexOf('=');
      if (eq >= 0) {
        key = p.substring(0, eq).trim();
        value = p.substring(eq + 1).trim();
      }
      double v;
      try {
        v = value.contains("/") ? Double.parseDouble(value.substring(0, value.indexOf('/')))
            / Double.parseDouble(value.substring(value.indexOf('/') + 1)) : Double.parseDouble(value);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("maps.scales: '" + p + "' is not level=scale");
      }
      if (!(v > 0) || Double.isInfinite(v)) {
        throw new IllegalArgumentException("maps.scales: scale of '" + key + "' must be > 0, got " + v);
      }
      m.put(key, v);
    }
    return m;
  }

  /** An .npy directory may carry {@code _scales.properties} (level=scale per line). */
  static String readScalesSidecar(SparkSession spark, String mapsPath) {
    try {
      Path p = new Path(mapsPath, "_scales.properties");
      FileSystem fs = p.getFileSystem(spark.sparkContext().hadoopConfiguration());
      if (!fs.exists(p)) {
        return "";
      }
      java.util.Properties props = new java.util.Properties();
      try (var in = fs.open(p)) {
        props.load(in);
      }
      List<String> parts = new ArrayList<>();
      for (String k : new java.util.TreeSet<>(props.stringPropertyNames())) {
        parts.add(k + "=" + props.getProperty(k).trim());
      }
      return String.join(",", parts);
    } catch (IOException e) {
      throw new org.roifeatures.spark.io.InputException("cannot read " + mapsPath
          + "/_scales.properties: "
          + e.getMessage(), e);
    }
  }
}
