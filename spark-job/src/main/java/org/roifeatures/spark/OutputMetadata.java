package org.roifeatures.spark;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.MetadataBuilder;
import org.roifeatures.ops.RoiAlign;
import org.roifeatures.ops.Semantics;
import org.roifeatures.spark.io.BoxInput;

/**
 * What the {@code features} vector means, so a reader years later can interpret it. Travels twice:
 * as metadata of the {@code features} field in the Spark schema (stored in every Parquet footer's
 * key-value metadata under {@code org.apache.spark.sql.parquet.row.metadata}), and as
 * {@code _roi_features.json} beside the part files.
 */
public final class OutputMetadata {

  public static final String SIDECAR = "_roi_features.json";
  public static final String FORMAT_VERSION = "1";

  private OutputMetadata() {}

  /** Key → value description of the vector, all strings. */
  public static Map<String, String> describe(OpSettings s, Map<String, Double> levelScales,
      String mapsFormat) {
    return describe(s, levelScales, mapsFormat, BoxInput.XYXY);
  }

  /** As above, also saying how the proposals' boxes became x1..y2 ({@code box_input}). */
  public static Map<String, String> describe(OpSettings s, Map<String, Double> levelScales,
      String mapsFormat, BoxInput boxes) {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("roi_features.format_version", FORMAT_VERSION);
    m.put("roi_features.op", s.op().configName());
    m.put("roi_features.semantics", s.semantics().name());
    m.put("roi_features.pooled_height", Integer.toString(s.pooledHeight()));
    m.put("roi_features.pooled_width", Integer.toString(s.pooledWidth()));
    m.put("roi_features.channels", Integer.toString(s.outputChannels()));
    m.put("roi_features.input_channels", Integer.toString(s.channels()));
    m.put("roi_features.vector_length", Integer.toString(s.rowLength()));
    m.put("roi_features.layout", "C,PH,PW row-major");
    StringBuilder scales = new StringBuilder();
    for (String level : s.levels()) {
      if (scales.length() > 0) {
        scales.append(',');
      }
      scales.append(level.isEmpty() ? "(none)" : level).append('=').append(levelScales.get(level));
    }
    m.put("roi_features.levels", String.join(",", s.levels()));
    m.put("roi_features.spatial_scales", scales.toString());
    if (s.op().usesAlignSampling()) {
      m.put("roi_features.sampling_ratio", Integer.toString(s.samplingRatio));
      m.put("roi_features.aligned", Boolean.toString(s.op() == RoiOp.PS_ROI_ALIGN || s.aligned));
      m.put("roi_features.mode", s.op() == RoiOp.ROI_ALIGN || s.op() == RoiOp.MULTISCALE_ROI_ALIGN
          ? s.mode.name().toLowerCase(java.util.Locale.ROOT) : "avg");
    } else {
      m.put("roi_features.mode", s.op() == RoiOp.ROI_POOL ? "max" : "avg");
    }
    if (s.op() == RoiOp.MULTISCALE_ROI_ALIGN) {
      Semantics sem = s.semantics();
      String area = "sqrt((x2-x1)*(y2-y1))";
      m.put("roi_features.level_mapper", switch (sem.levelFormula()) {
        case TORCHVISION -> "torchvision: floor(" + sem.canonicalLevel() + " + log2(" + area + "/"
            + sem.canonicalScale() + ") + " + sem.levelEps() + ")";
        case DETECTRON2 -> "detectron2: floor(" + sem.canonicalLevel() + " + log2(" + area + "/"
            + sem.canonicalScale() + " + " + sem.levelEps() + "))";
        case MMDET -> "mmdet: floor(log2(" + area + "/" + sem.canonicalScale() + " + "
            + sem.levelEps() + ")), counted from the finest level";
      } + ", clamped to the levels given");
    }
    if (s.op() == RoiOp.ROI_ALIGN_ROTATED) {
      m.put("roi_features.box_format", "x1,y1,x2,y2 turned about the centre by angle (degrees, "
          + "counter-clockwise): cx=(x1+x2)/2, cy=(y1+y2)/2, w=x2-x1, h=y2-y1 (detectron2 ROIAlignRotated)");
    }
    m.put("roi_features.vector_format", s.vectorFormat().name().toLowerCase(java.util.Locale.ROOT));
    String dtype = s.vectorFormat() == VectorFormat.BINARY
        ? s.precision().name().toLowerCase(java.util.Locale.ROOT)
        : s.vectorFormat() == VectorFormat.VECTOR ? "float64" : "float32";
    m.put("roi_features.dtype", dtype);
    m.put("roi_features.byte_order", "little");
    if (s.vectorFormat() == VectorFormat.BINARY) {
      m.put("roi_features.numpy", "numpy.frombuffer(b, '" + s.precision().numpyDtype
          + "').reshape(" + s.outputChannels() + ", " + s.pooledHeight() + ", " + s.pooledWidth()
          + ")");
    }
    m.put("roi_features.maps_format", mapsFormat);
    m.put("roi_features.box_input", boxes.describe());
    m.put("roi_features.kernels", RoiAlign.kernelName());
    return m;
  }

  /** The description as Spark field metadata for the {@code features} column. */
  public static Metadata asFieldMetadata(Map<String, String> description) {
    MetadataBuilder b = new MetadataBuilder();
    description.forEach(b::putString);
    return b.build();
  }

  /** Keys that describe how a run went, not what its vectors mean: not compared by append runs. */
  public static final java.util.List<String> NOT_COMPARED = java.util.List.of(
      "roi_features.maps_format", "roi_features.kernels");

  /** The {@link #SIDECAR} of an output directory, or null when it has none. */
  public static Map<String, String> readSidecar(Configuration conf, String outputDir)
      throws IOException {
    Path p = new Path(outputDir, SIDECAR);
    FileSystem fs = p.getFileSystem(conf);
    if (!fs.exists(p)) {
      return null;
    }
    try (java.io.InputStream in = fs.open(p)) {
      Map<String, String> m = new java.util.LinkedHashMap<>();
      new ObjectMapper().readTree(in).fields().forEachRemaining(e -> m.put(e.getKey(),
          e.getValue().asText()));
      return m;
    }
  }

  /** Writes {@link #SIDECAR} into the output directory. */
  public static void writeSidecar(Configuration conf, String outputDir, Map<String, String> description)
      throws IOException {
    Path p = new Path(outputDir, SIDECAR);
    FileSystem fs = p.getFileSystem(conf);
    try (OutputStream out = fs.create(p, true)) {
      out.write(new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(description)
          .getBytes(StandardCharsets.UTF_8));
    }
  }
}
