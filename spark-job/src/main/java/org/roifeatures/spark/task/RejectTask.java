package org.roifeatures.spark.task;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.apache.spark.util.LongAccumulator;
import org.roifeatures.spark.OpSettings;

/**
 * The rejects pass over the work rows, image by image ({@link ImageGroups}): every proposal the
 * per-row or per-image rules rejected, and every proposal of an image that {@link ImagePlan} rejects
 * or whose maps failed to load in the feature pass, becomes one reject row with its reason.
 */
public final class RejectTask implements MapPartitionsFunction<Row, Row> {

  private static final long serialVersionUID = 1L;

  private final Broadcast<OpSettings> settings;
  /** image_id → {reason, detail} for maps that failed to load in the feature pass. */
  private final Broadcast<Map<String, String[]>> loadFailures;
  private final boolean roiIdsGiven;
  /** Reject rows per reason, counted as they are handed to the writer. */
  private final Map<String, LongAccumulator> counts;

  public RejectTask(Broadcast<OpSettings> settings, Broadcast<Map<String, String[]>> loadFailures,
      boolean roiIdsGiven, Map<String, LongAccumulator> counts) {
    this.settings = settings;
    this.counts = counts;
    this.loadFailures = loadFailures;
    this.roiIdsGiven = roiIdsGiven;
  }

  @Override
  public Iterator<Row> call(Iterator<Row> work) {
    ImageGroups groups = new ImageGroups(work, roiIdsGiven);
    OpSettings s = settings.value();
    Map<String, String[]> failed = loadFailures.value();
    // Lazily, one image at a time: a partition's rejects never have to fit in memory at once.
    return new Iterator<>() {
      private Iterator<Row> current = Collections.emptyIterator();

      @Override
      public boolean hasNext() {
        while (!current.hasNext() && groups.hasNext()) {
          current = rejectsOf(groups.next(), s, failed).iterator();
        }
        return current.hasNext();
      }

      @Override
      public Row next() {
        if (!hasNext()) {
          throw new java.util.NoSuchElementException();
        }
        Row r = current.next();
        LongAccumulator count = counts.get(r.getString(REASON));
        if (count == null) {
          throw new IllegalStateException("reject reason " + r.getString(REASON) + " has no counter");
        }
        count.add(1);
        return r;
      }
    };
  }

  private static final int REASON = OutputRows.REJECT_SCHEMA.fieldIndex("reason");

  private static List<Row> rejectsOf(ImageGroups.ImageGroup g, OpSettings s,
      Map<String, String[]> failed) {
    List<Row> out = new ArrayList<>(g.rejected().size());
    for (ImageGroups.Rejected r : g.rejected()) {
      out.add(OutputRows.reject(g.imageId(), r.row(), r.roiId(), r.reason(), r.detail()));
    }
    if (g.good().isEmpty()) {
      return out;
    }
    String reason;
    String detail;
    ImagePlan.Decision d = ImagePlan.decide(g.imageId(), g.maps(), s);
    if (!d.ok()) {
      reason = d.reason().name();
      detail = d.detail();
    } else {
      String[] failure = failed.get(g.imageId());
      if (failure == null) {
        return out;
      }
      reason = failure[0];
      detail = failure[1];
    }
    for (int i = 0; i < g.good().size(); i++) {
      out.add(OutputRows.reject(g.imageId(), g.good().get(i), g.goodRoiIds()[i], reason, detail));
    }
    return out;
  }
}
