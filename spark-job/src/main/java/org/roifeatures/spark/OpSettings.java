package org.roifeatures.spark;

import org.roifeatures.spark.conf.JobConfig;
import org.roifeatures.spark.conf.JobOptions;

import java.io.Serializable;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.roifeatures.ops.LevelMapper;
import org.roifeatures.ops.PoolingMode;
import org.roifeatures.ops.RoiAlignParams;
import org.roifeatures.ops.RoiPoolParams;
import org.roifeatures.ops.Semantics;

/**
 * Everything a task needs to turn one image's maps and boxes into feature rows. Built once on the
 * driver from {@link JobConfig} and the map index, broadcast to the executors (Kryo-registered).
 */
public final class OpSettings implements Serializable {

  private static final long serialVersionUID = 1L;

  final RoiOp op;
  final int pooledHeight;
  final int pooledWidth;
  final int samplingRatio;
  final boolean aligned;
  final PoolingMode mode;
  /** Levels used, finest first; one entry (possibly "") for single-level ops. */
  final String[] levels;
  /** Spatial scale per level name, from the config, for maps that do not carry their own. */
  final Map<String, Double> configuredScales;
  /** The framework convention: level mapper formula and constants (aligned etc. resolved above). */
  final Semantics semantics;
  /** The one channel count every map must have, so every vector has the same length. */
  final int channels;
  final VectorFormat vectorFormat;
  final Precision precision;
  final int batchRois;
  /**
   * Map files that could not be indexed at all (e.g. a truncated or corrupt Arrow file), as one
   * detail text, or "". Their images cannot be known, so an image without a map is then reported as
   * possibly held by one of them rather than as having none.
   */
  final String unreadableMapFiles;
  /**
   * Largest decoded map (C·H·W·4 bytes) a task allocates ({@code maps.max.bytes}): a map file that
   * claims more is rejected before anything is allocated, so one lying header cannot kill the task.
   */
  final long maxMapBytes;
  /** Whether Parquet map pages that carry a CRC are verified ({@code maps.verify.checksums}). */
  final boolean verifyChecksums;

  OpSettings(RoiOp op, int pooledHeight, int pooledWidth, int samplingRatio, boolean aligned,
      PoolingMode mode, String[] levels, Map<String, Double> configuredScales,
      Semantics semantics, int channels, VectorFormat vectorFormat,
      Precision precision, int batchRois) {
    this(op, pooledHeight, pooledWidth, samplingRatio, aligned, mode, levels, configuredScales,
        semantics, channels, vectorFormat, precision, batchRois, "",
        JobConfig.parseBytes(JobOptions.MAPS_MAX_BYTES, JobOptions.defaultOf(JobOptions.MAPS_MAX_BYTES)),
        Boolean.parseBoolean(JobOptions.defaultOf(JobOptions.MAPS_VERIFY_CHECKSUMS)));
  }

  OpSettings(RoiOp op, int pooledHeight, int pooledWidth, int samplingRatio, boolean aligned,
      PoolingMode mode, String[] levels, Map<String, Double> configuredScales,
      Semantics semantics, int channels, VectorFormat vectorFormat,
      Precision precision, int batchRois, String unreadableMapFiles, long maxMapBytes,
      boolean verifyChecksums) {
    this.op = op;
    this.pooledHeight = pooledHeight;
    this.pooledWidth = pooledWidth;
    this.samplingRatio = samplingRatio;
    this.aligned = aligned;
    this.mode = mode;
    this.levels = levels.clone();
    this.configuredScales = new LinkedHashMap<>(configuredScales);
    this.semantics = semantics;
    this.channels = channels;
    this.vectorFormat = vectorFormat;
    this.precision = precision;
    this.batchRois = batchRois;
    this.unreadableMapFiles = unreadableMapFiles;
    this.maxMapBytes = maxMapBytes;
    this.verifyChecksums = verifyChecksums;
  }

  /** A copy that knows which map files could not be indexed (see {@link #unreadableMapFiles()}). */
  OpSettings withUnreadableMapFiles(String detail) {
    return new OpSettings(op, pooledHeight, pooledWidth, samplingRatio, aligned, mode, levels,
        configuredScales, semantics, channels, vectorFormat, precision, batchRois, detail,
        maxMapBytes, verifyChecksums);
  }

  /** A copy with the map reading checks: {@link #maxMapBytes()}, {@link #verifyChecksums()}. */
  OpSettings withMapChecks(long maxBytes, boolean verify) {
    return new OpSettings(op, pooledHeight, pooledWidth, samplingRatio, aligned, mode, levels,
        configuredScales, semantics, channels, vectorFormat, precision, batchRois,
        unreadableMapFiles, maxBytes, verify);
  }

  /** Largest decoded map, in bytes, a task may allocate ({@code maps.max.bytes}). */
  public long maxMapBytes() {
    return maxMapBytes;
  }

  /** Whether Parquet map pages' CRCs are verified ({@code maps.verify.checksums}). */
  public boolean verifyChecksums() {
    return verifyChecksums;
  }

  /** "" when every map file was indexed, else which ones were not and why. */
  public String unreadableMapFiles() {
    return unreadableMapFiles;
  }

  /** Floats per output row: C·PH·PW (for PS ops C/(PH·PW)·PH·PW = C). */
  public int rowLength() {
    return rowLength(op, channels, pooledHeight, pooledWidth);
  }

  /** {@link #rowLength()} before the settings exist. */
  static int rowLength(RoiOp op, int channels, int pooledHeight, int pooledWidth) {
    return channels * (op.positionSensitive() ? 1 : pooledHeight * pooledWidth);
  }

  /** Output channels of the vector: C, or C/(PH·PW) for position-sensitive ops. */
  public int outputChannels() {
    return op.positionSensitive() ? channels / (pooledHeight * pooledWidth) : channels;
  }

  /** The configured scale of {@code level} (maps.scales), or null. */
  public Double configuredScale(String level) {
    Double v = configuredScales.get(level);
    return v != null ? v : configuredScales.get("*");
  }

  public int channels() {
    return channels;
  }

  public int pooledHeight() {
    return pooledHeight;
  }

  public int pooledWidth() {
    return pooledWidth;
  }

  public int batchRois() {
    return batchRois;
  }

  public RoiAlignParams alignParams(double spatialScale) {
    return new RoiAlignParams(pooledHeight, pooledWidth, spatialScale, samplingRatio, aligned, mode);
  }

  public RoiPoolParams poolParams(double spatialScale) {
    return new RoiPoolParams(pooledHeight, pooledWidth, spatialScale);
  }

  /** The convention's level mapper over the levels' scales (finest first). */
  public LevelMapper levelMapper(double[] scales) {
    return semantics.levelMapper(scales);
  }

  public Semantics semantics() {
    return semantics;
  }

  public String[] levels() {
    return levels.clone();
  }

  public RoiOp op() {
    return op;
  }

  public VectorFormat vectorFormat() {
    return vectorFormat;
  }

  public Precision precision() {
    return precision;
  }

  @Override
  public String toString() {
    return op.configName() + " " + semantics.name() + " " + pooledHeight + "x" + pooledWidth + " sr=" + samplingRatio
        + " aligned=" + aligned + " mode=" + mode + " levels=" + Arrays.toString(levels)
        + " C=" + channels + " vector=" + vectorFormat + "/" + precision;
  }
}
