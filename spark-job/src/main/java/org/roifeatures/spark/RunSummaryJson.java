package org.roifeatures.spark;

import org.roifeatures.spark.conf.JobConfig;
import org.roifeatures.spark.conf.JobOptions;

import java.util.LinkedHashMap;
import java.util.Map;
import org.roifeatures.ops.FeatureMap;
import org.roifeatures.ops.RoiAlign;
import org.roifeatures.spark.output.OutputPaths;
import org.roifeatures.spark.output.RunRecord;

/**
 * The content of {@value RunRecord#SUMMARY}: status, paths, settings, versions, counts and phase
 * times of one run, as plain maps for JSON. Internal ({@code testing.*}) options are left out.
 */
final class RunSummaryJson {

  static final int FORMAT_VERSION = 1;

  private RunSummaryJson() {}

  static Map<String, Object> of(JobConfig cfg, OutputPaths.Resolved out, String startedAt,
      JobSummary summary, String status, String error) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("format_version", FORMAT_VERSION);
    m.put("status", status);
    if (error != null) {
      m.put("error", error);
    }
    m.put("started_at", startedAt);
    m.put("finished_at", java.time.Instant.now().toString());
    m.put("output_path", out.features());
    m.put("rejects_path", out.rejects());
    Map<String, Object> versions = new LinkedHashMap<>();
    String own = RunSummaryJson.class.getPackage().getImplementationVersion();
    versions.put("roi_features", own == null ? "dev" : own);
    versions.put("spark", org.apache.spark.package$.MODULE$.SPARK_VERSION());
    versions.put("java", System.getProperty("java.version"));
    versions.put("kernels", RoiAlign.preferredLayout() == FeatureMap.Layout.HWC ? "vector" : "scalar");
    m.put("versions", versions);
    Map<String, String> options = new LinkedHashMap<>();
    for (JobOptions.Option o : JobOptions.userOptions()) {
      options.put(o.key(), cfg.get(o.key()));
    }
    m.put("options", options);
    if (summary != null) {
      Map<String, Object> counts = new LinkedHashMap<>();
      counts.put("proposals_read", summary.proposals());
      counts.put("images_pooled", summary.imagesPooled());
      counts.put("proposals_selected_out", summary.selectedOut());
      counts.put("rois_written", summary.roisWritten());
      counts.put("rois_rejected", summary.rejected());
      counts.put("rejected_by_reason", summary.rejectsByReason());
      m.put("counts", counts);
      m.put("seconds", summary.seconds());
      if (summary.timing() != null) {
        m.put("phase_seconds", summary.timing().phaseSeconds());
      }
    }
    return m;
  }
}
