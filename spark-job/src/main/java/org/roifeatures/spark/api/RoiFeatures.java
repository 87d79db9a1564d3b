package org.roifeatures.spark.api;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.roifeatures.spark.FeaturePlan;
import org.roifeatures.spark.conf.JobConfig;
import org.roifeatures.spark.conf.JobOptions;
import org.roifeatures.spark.JobSummary;
import org.roifeatures.spark.RoiFeaturesJob;

/**
 * The public entry point: RoI feature extraction as Spark transformations.
 *
 * <pre>{@code
 * Extraction x = RoiFeatures.on(spark)
 *     .maps("hdfs:///maps")            // Parquet / Arrow / .npy / safetensors, or a Dataset<Row> of maps
 *     .op("multiscale_roi_align").pooledSize(7, 7).samplingRatio(2)
 *     .extract(proposals);             // a Dataset<Row>: image_id, x1, y1, x2, y2 [, score, label, roi_id]
 * Dataset<Row> features = x.features(); // lazy: one row per RoI, "features" = the vector
 * Dataset<Row> rejects = x.rejects();   // lazy: the proposals that could not be pooled, with a reason
 * }</pre>
 *
 * <p>Every setting is one of the job's options ({@code --help}, the README's table), with the same
 * default and the same validation: the typed setters below are shorthands for {@link #option}, and
 * a bad value fails here, naming the option. {@link #extract} builds Spark plans without running
 * them when the maps' facts are declared ({@link #channels} and {@link #level}, or {@link #levels}
 * with {@link #scales} for the multiscale op); otherwise it reads the map index once (a small Spark
 * job) to find the levels, scales and channel count. {@link #run} writes the outputs with the
 * job's completion protocol, exactly as {@code bin/roi-features run} does.
 */
public final class RoiFeatures {

  /** Options {@link #extract} does not use: given placeholders so that the rest resolves. */
  private static final Map<String, String> NOT_USED_BY_EXTRACT = Map.of(
      JobOptions.PROPOSALS_PATH, "(rows)", JobOptions.OUTPUT_PATH, "(none)");

  private final SparkSession spark;
  private final Map<String, String> options = new LinkedHashMap<>();
  /** The maps given as rows ({@link #maps(Dataset)}), or null: {@code maps.path}. */
  private Dataset<Row> mapRows;

  private RoiFeatures(SparkSession spark) {
    this.spark = spark;
  }

  /** Extraction on {@code spark}, with every option at its default. */
  public static RoiFeatures on(SparkSession spark) {
    return new RoiFeatures(spark);
  }

  /** Extraction on {@code spark} with a configuration resolved elsewhere (the CLI's). */
  public static RoiFeatures on(SparkSession spark, JobConfig cfg) {
    RoiFeatures r = new RoiFeatures(spark);
    r.options.putAll(cfg.asMap()); // resolved and validated already, test-only options included
    return r;
  }

  /**
   * Sets the job option {@code key} (see {@code --help}); the value is checked now against the
   * option's definition.
   *
   * @throws IllegalArgumentException for an unknown key or a bad value, naming them
   */
  public RoiFeatures option(String key, String value) {
    JobOptions.check(key, value);
    if (JobOptions.byKey().get(key).internal()) {
      throw new IllegalArgumentException("option " + key + " is for the project's tests only");
    }
    options.put(key, value.trim());
    return this;
  }

  /** Sets several options ({@link #option} each). */
  public RoiFeatures options(Map<String, String> values) {
    values.forEach(this::option);
    return this;
  }

  /** The feature maps: a Parquet dir/file, Arrow IPC file(s), a dir of .npy or .safetensors files. */
  public RoiFeatures maps(String path) {
    mapRows = null;
    return option(JobOptions.MAPS_PATH, path);
  }

  /**
   * The feature maps as rows, e.g. produced upstream in the same Spark application, in the maps
   * schema of Parquet maps (README "Inputs": {@code image_id, level, channels, height, width,
   * spatial_scale | stride, data[, dtype]}). Each map's bytes are shuffled once, with the
   * proposals, to the task that pools its image: never once per proposal. Without the maps' facts
   * declared ({@link #channels}, the level(s)), {@link #extract} runs one aggregation over the
   * small columns, which computes {@code maps} once more unless it is cached. Replaces {@code
   * maps.path}; {@link #run} needs a path.
   */
  public RoiFeatures maps(Dataset<Row> maps) {
    options.remove(JobOptions.MAPS_PATH);
    mapRows = maps;
    return this;
  }

  /** The operator: roi_align, roi_pool, ps_roi_align, ps_roi_pool, multiscale_roi_align, roi_align_rotated. */
  public RoiFeatures op(String op) {
    return option(JobOptions.OP, op);
  }

  /** Output bins per column and per row (PH, PW). */
  public RoiFeatures pooledSize(int height, int width) {
    return option(JobOptions.POOLED_HEIGHT, Integer.toString(height))
        .option(JobOptions.POOLED_WIDTH, Integer.toString(width));
  }

  /** RoI Align samples per bin per axis; {@code <= 0}: adaptive. */
  public RoiFeatures samplingRatio(int samplingRatio) {
    return option(JobOptions.SAMPLING_RATIO, Integer.toString(samplingRatio));
  }

  /** RoI Align's half-pixel offset (torchvision {@code aligned=True}). */
  public RoiFeatures aligned(boolean aligned) {
    return option(JobOptions.ALIGNED, Boolean.toString(aligned));
  }

  /** RoI Align reduction: avg, max, onnx_max, interpolated_max. */
  public RoiFeatures mode(String mode) {
    return option(JobOptions.MODE, mode);
  }

  /** Framework convention: torchvision, detectron2, mmdet, onnx (the defaults of the knobs above). */
  public RoiFeatures semantics(String semantics) {
    return option(JobOptions.SEMANTICS, semantics);
  }

  /** Single-level ops: the map level to pool. */
  public RoiFeatures level(String level) {
    return option(JobOptions.LEVEL, level);
  }

  /** The multiscale op: the levels to use, finest first. */
  public RoiFeatures levels(String... levels) {
    return option(JobOptions.LEVELS, String.join(",", Arrays.asList(levels)));
  }

  /** Spatial scale per level, e.g. {@code "p2=1/4,p3=1/8"} (.npy/safetensors maps, or declared). */
  public RoiFeatures scales(String scales) {
    return option(JobOptions.MAPS_SCALES, scales);
  }

  /** The maps' channel count, declared (see the class comment: no index job). */
  public RoiFeatures channels(int channels) {
    return option(JobOptions.MAPS_CHANNELS, Integer.toString(channels));
  }

  /** The features column: binary (float LE bytes), array (array&lt;float&gt;), vector (Spark ML). */
  public RoiFeatures vectorFormat(String format) {
    return option(JobOptions.VECTOR_FORMAT, format);
  }

  /** Binary vectors' precision: float32, float16, bfloat16. */
  public RoiFeatures precision(String precision) {
    return option(JobOptions.PRECISION, precision);
  }

  /** The proposals' box columns: xyxy, xywh, cxcywh. */
  public RoiFeatures boxFormat(String format) {
    return option(JobOptions.BOX_FORMAT, format);
  }

  /** The configuration as the job resolves it: these options over the session's and the defaults. */
  public JobConfig config() {
    return JobConfig.resolve(options, Map.of(), JobConfig.sparkSettings(spark.sparkContext().getConf()));
  }

  /**
   * The features and rejects of {@code proposals} (columns {@code image_id, x1, y1, x2, y2}, or as
   * {@code proposals.box.format} says; optional {@code score, label, roi_id, angle}), as lazy
   * Datasets: no output is written, and no Spark job runs when the maps' facts are declared.
   * Without a {@code roi_id} column, a proposal's id is its position within its image in the rows'
   * order: give {@code roi_id} when that order is not deterministic (e.g. after a shuffle), so that
   * every action numbers the proposals alike.
   */
  public Extraction extract(Dataset<Row> proposals) {
    return extract(FeaturePlan.ProposalSource.of(proposals));
  }

  /**
   * As {@link #extract(Dataset)}, reading the proposals from files as the CLI does. Spark infers
   * the schema of CSV and JSON files with a small job when this is called (Parquet: none).
   */
  public Extraction extract(String proposalsPath) {
    return extract(FeaturePlan.ProposalSource.of(proposalsPath));
  }

  private Extraction extract(FeaturePlan.ProposalSource source) {
    Map<String, String> given = new LinkedHashMap<>(NOT_USED_BY_EXTRACT);
    if (mapRows != null) {
      given.put(JobOptions.MAPS_PATH, "(rows)");
    }
    given.putAll(options);
    JobConfig cfg = JobConfig.resolve(given, Map.of(), JobConfig.sparkSettings(spark.sparkContext().getConf()));
    int partitions = FeaturePlan.partitions(spark, cfg);
    FeaturePlan.MapSource maps = mapRows != null ? FeaturePlan.MapSource.of(mapRows)
        : FeaturePlan.MapSource.of(cfg.get(JobOptions.MAPS_PATH));
    FeaturePlan plan = FeaturePlan.build(spark, cfg, maps, source, partitions,
        FeaturePlan.Counters.unread(spark.sparkContext()), null, phase -> { }, true);
    return new Extraction(plan);
  }

  /**
   * Runs the whole job, as {@code bin/roi-features run} does: reads {@code proposals.path}, writes
   * {@code output.path} and the rejects with the completion protocol (see the README's
   * guarantees), and returns the summary.
   */
  public JobSummary run() {
    if (mapRows != null) {
      throw new IllegalStateException("run() reads the maps from maps.path; with maps given as a "
          + "Dataset, write extract(...).features() (and rejects()) yourself");
    }
    return RoiFeaturesJob.run(spark, config());
  }
}
