package org.roifeatures.spark.ml;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.ml.util.Identifiable$;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructType;
import org.roifeatures.spark.conf.JobOptions;
import org.roifeatures.spark.RoiOp;
import org.roifeatures.spark.VectorFormat;
import org.roifeatures.spark.api.RoiFeatures;
import org.roifeatures.spark.task.OutputRows;

/**
 * A Spark ML stage: proposals in ({@code image_id, x1, y1, x2, y2}, optional {@code score, label,
 * roi_id, angle}), one row per pooled RoI out, its vector in {@code features} — what Spark ML's
 * classifiers read by default. It is {@link RoiFeatures#extract} with its settings as ML params:
 * each param is one of the job's options (same doc, default and validation; its name is the
 * option's key in camel case, e.g. {@code pooledHeight} for {@code pooled.height}), except that
 * {@code outputVectorFormat} defaults to {@code vector} (Spark ML's vector type). Proposals that
 * cannot be pooled are left out of the output; {@link RoiFeatures} gives them with reasons.
 * Saved and loaded with its params ({@code save}, {@link #load}), alone or inside a
 * {@code PipelineModel}.
 */
public final class RoiFeatureExtractor extends Transformer implements DefaultParamsWritable {

  private static final long serialVersionUID = 1L;

  private final String uid;
  private final Map<String, Param<String>> byKey = new LinkedHashMap<>();

  private final Param<String> mapsPath;
  private final Param<String> mapsFormat;
  private final Param<String> mapsScales;
  private final Param<String> mapsLayout;
  private final Param<String> mapsChannels;
  private final Param<String> op;
  private final Param<String> pooledHeight;
  private final Param<String> pooledWidth;
  private final Param<String> samplingRatio;
  private final Param<String> aligned;
  private final Param<String> mode;
  private final Param<String> semantics;
  private final Param<String> levelMapper;
  private final Param<String> level;
  private final Param<String> levels;
  private final Param<String> canonicalScale;
  private final Param<String> canonicalLevel;
  private final Param<String> outputVectorFormat;
  private final Param<String> outputPrecision;
  private final Param<String> boxFormat;
  private final Param<String> boxNormalized;
  private final Param<String> boxResize;
  private final Param<String> imageIdDigits;
  private final Param<String> minScore;
  private final Param<String> topK;
  private final Param<String> batchRois;
  private final Param<String> partitions;
  private final Param<String> mapsMaxBytes;
  private final Param<String> mapsVerifyChecksums;

  public RoiFeatureExtractor() {
    this(Identifiable$.MODULE$.randomUID("roiFeatureExtractor"));
  }

  public RoiFeatureExtractor(String uid) {
    this.uid = uid;
    mapsPath = param(JobOptions.MAPS_PATH);
    mapsFormat = param(JobOptions.MAPS_FORMAT);
    mapsScales = param(JobOptions.MAPS_SCALES);
    mapsLayout = param(JobOptions.MAPS_LAYOUT);
    mapsChannels = param(JobOptions.MAPS_CHANNELS);
    op = param(JobOptions.OP);
    pooledHeight = param(JobOptions.POOLED_HEIGHT);
    pooledWidth = param(JobOptions.POOLED_WIDTH);
    samplingRatio = param(JobOptions.SAMPLING_RATIO);
    aligned = param(JobOptions.ALIGNED);
    mode = param(JobOptions.MODE);
    semantics = param(JobOptions.SEMANTICS);
    levelMapper = param(JobOptions.LEVEL_MAPPER);
    level = param(JobOptions.LEVEL);
    levels = param(JobOptions.LEVELS);
    canonicalScale = param(JobOptions.CANONICAL_SCALE);
    canonicalLevel = param(JobOptions.CANONICAL_LEVEL);
    outputVectorFormat = param(JobOptions.VECTOR_FORMAT);
    outputPrecision = param(JobOptions.PRECISION);
    boxFormat = param(JobOptions.BOX_FORMAT);
    boxNormalized = param(JobOptions.BOX_NORMALIZED);
    boxResize = param(JobOptions.BOX_RESIZE);
    imageIdDigits = param(JobOptions.IMAGE_ID_DIGITS);
    minScore = param(JobOptions.MIN_SCORE);
    topK = param(JobOptions.TOP_K);
    batchRois = param(JobOptions.BATCH_ROIS);
    partitions = param(JobOptions.PARTITIONS);
    mapsMaxBytes = param(JobOptions.MAPS_MAX_BYTES);
    mapsVerifyChecksums = param(JobOptions.MAPS_VERIFY_CHECKSUMS);
    // A classifier downstream reads Spark ML vectors.
    setDefault(outputVectorFormat, "vector");
  }

  /** The param of job option {@code key}: its doc, its validator, its default (if any). */
  private Param<String> param(String key) {
    JobOptions.Option o = JobOptions.byKey().get(key);
    Param<String> p = new Param<>(this, paramName(key), o.fullDoc(), new Valid(key));
    if (o.defaultValue() != null) {
      setDefault(p, o.defaultValue());
    }
    byKey.put(key, p);
    return p;
  }

  /** A param's validator: the option's own check (serializable, as a stage must be). */
  private static final class Valid extends scala.runtime.AbstractFunction1<String, Object>
      implements java.io.Serializable {
    private static final long serialVersionUID = 1L;
    private final String key;

    Valid(String key) {
      this.key = key;
    }

    @Override
    public Object apply(String value) {
      return value != null && JobOptions.byKey().get(key).problem(value.trim()) == null;
    }
  }

  /** {@code pooled.height} → {@code pooledHeight}; the {@code proposals.} prefix is dropped. */
  static String paramName(String key) {
    String k = key.startsWith("proposals.") ? key.substring("proposals.".length()) : key;
    StringBuilder b = new StringBuilder();
    boolean upper = false;
    for (char c : k.toCharArray()) {
      if (c == '.') {
        upper = true;
      } else {
        b.append(upper ? Character.toUpperCase(c) : c);
        upper = false;
      }
    }
    return b.toString();
  }

  @Override
  public String uid() {
    return uid;
  }

  /** Sets the job option {@code key} ({@code --help}); checked by the param's validator. */
  public RoiFeatureExtractor setOption(String key, String value) {
    Param<String> p = byKey.get(key);
    if (p == null) {
      throw new IllegalArgumentException("option '" + key + "' is not a param of "
          + getClass().getSimpleName() + "; params: " + byKey.keySet());
    }
    JobOptions.check(key, value);
    set(p, value.trim());
    return this;
  }

  public RoiFeatureExtractor setMapsPath(String value) {
    return setOption(JobOptions.MAPS_PATH, value);
  }

  public RoiFeatureExtractor setOp(String value) {
    return setOption(JobOptions.OP, value);
  }

  public RoiFeatureExtractor setPooledSize(int height, int width) {
    setOption(JobOptions.POOLED_HEIGHT, Integer.toString(height));
    return setOption(JobOptions.POOLED_WIDTH, Integer.toString(width));
  }

  public RoiFeatureExtractor setSamplingRatio(int value) {
    return setOption(JobOptions.SAMPLING_RATIO, Integer.toString(value));
  }

  public RoiFeatureExtractor setAligned(boolean value) {
    return setOption(JobOptions.ALIGNED, Boolean.toString(value));
  }

  public RoiFeatureExtractor setLevel(String value) {
    return setOption(JobOptions.LEVEL, value);
  }

  public RoiFeatureExtractor setChannels(int value) {
    return setOption(JobOptions.MAPS_CHANNELS, Integer.toString(value));
  }

  public RoiFeatureExtractor setVectorFormat(String value) {
    return setOption(JobOptions.VECTOR_FORMAT, value);
  }

  /** The job options these params hold (set or default), for {@link RoiFeatures#options}. */
  public Map<String, String> jobOptions() {
    Map<String, String> m = new LinkedHashMap<>();
    byKey.forEach((key, p) -> {
      if (isDefined(p)) {
        m.put(key, $(p));
      }
    });
    return m;
  }

  @Override
  public Dataset<Row> transform(Dataset<?> proposals) {
    if (!isDefined(mapsPath)) {
      throw new IllegalArgumentException(uid + ": mapsPath is not set (the feature maps)");
    }
    transformSchema(proposals.schema());
    return RoiFeatures.on(proposals.sparkSession()).options(jobOptions())
        .extract(proposals.toDF()).features();
  }

  @Override
  public StructType transformSchema(StructType schema) {
    for (String c : new String[] {"image_id"}) {
      if (!java.util.Arrays.asList(schema.fieldNames()).contains(c)) {
        throw new IllegalArgumentException(uid + ": the proposals have no column '" + c
            + "' (columns: " + java.util.Arrays.toString(schema.fieldNames()) + ")");
      }
    }
    VectorFormat vf = VectorFormat.valueOf($(outputVectorFormat).toUpperCase(Locale.ROOT));
    return OutputRows.featureSchema(vf, Metadata.empty(),
        RoiOp.parse($(op)) == RoiOp.ROI_ALIGN_ROTATED);
  }

  @Override
  public RoiFeatureExtractor copy(ParamMap extra) {
    return defaultCopy(extra);
  }

  public static MLReader<RoiFeatureExtractor> read() {
    return new DefaultParamsReader<>();
  }

  public static RoiFeatureExtractor load(String path) {
    return read().load(path);
  }

  // Spark ML finds params through public no-argument methods returning a Param: one per param.

  public Param<String> mapsPath() { return mapsPath; }
  public Param<String> mapsFormat() { return mapsFormat; }
  public Param<String> mapsScales() { return mapsScales; }
  public Param<String> mapsLayout() { return mapsLayout; }
  public Param<String> mapsChannels() { return mapsChannels; }
  public Param<String> op() { return op; }
  public Param<String> pooledHeight() { return pooledHeight; }
  public Param<String> pooledWidth() { return pooledWidth; }
  public Param<String> samplingRatio() { return samplingRatio; }
  public Param<String> aligned() { return aligned; }
  public Param<String> mode() { return mode; }
  public Param<String> semantics() { return semantics; }
  public Param<String> levelMapper() { return levelMapper; }
  public Param<String> level() { return level; }
  public Param<String> levels() { return levels; }
  public Param<String> canonicalScale() { return canonicalScale; }
  public Param<String> canonicalLevel() { return canonicalLevel; }
  public Param<String> outputVectorFormat() { return outputVectorFormat; }
  public Param<String> outputPrecision() { return outputPrecision; }
  public Param<String> boxFormat() { return boxFormat; }
  public Param<String> boxNormalized() { return boxNormalized; }
  public Param<String> boxResize() { return boxResize; }
  public Param<String> imageIdDigits() { return imageIdDigits; }
  public Param<String> minScore() { return minScore; }
  public Param<String> topK() { return topK; }
  public Param<String> batchRois() { return batchRois; }
  public Param<String> partitions() { return partitions; }
  public Param<String> mapsMaxBytes() { return mapsMaxBytes; }
  public Param<String> mapsVerifyChecksums() { return mapsVerifyChecksums; }
}
