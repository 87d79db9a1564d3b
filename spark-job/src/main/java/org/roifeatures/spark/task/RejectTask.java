package org.roifeatures.spark.task;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.roifeatures.spark.OpSettings;

/**
 * The rejects pass over the per-image work rows: every RoI of an image that {@link ImagePlan} rejects,
 * or whose maps failed to load in the feature pass, becomes one reject row with the image's reason.
 */
public final class RejectTask implements FlatMapFunction<Row, Row> {

  private static final long serialVersionUID = 1L;

  private final Broadcast<OpSettings> settings;
  /** image_id → {reason, detail} for maps that failed to load in the feature pass. */
  private final Broadcast<Map<String, String[]>> loadFailures;

  public RejectTask(Broadcast<OpSettings> settings, Broadcast<Map<String, String[]>> loadFailures) {
    this.settings = settings;
    this.loadFailures = loadFailures;
  }

  @Override
  public Iterator<Row> call(Row work) {
    String id = WorkRow.imageId(work);
    List<Row> rois = WorkRow.rois(work);
    String reason;
    String detail;
    ImagePlan.Decision d = ImagePlan.decide(id, WorkRow.maps(work), settings.value());
    if (!d.ok()) {
      reason = d.reason().name();
      detail = d.detail();
    } else {
      String[] failure = loadFailures.value().get(id);
      if (failure == null) {
        return java.util.Collections.emptyIterator();
      }
      reason = failure[0];
      detail = failure[1];
    }
    List<Row> out = new ArrayList<>(rois.size());
    for (Row roi : rois) {
      out.add(OutputRows.reject(id, roi, reason, detail));
    }
    return out.iterator();
  }
}
