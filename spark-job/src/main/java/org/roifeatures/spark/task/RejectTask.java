package org.roifeatures.spark.task;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.apache.spark.util.LongAccumulator;
import org.roifeatures.spark.OpSettings;
import org.roifeatures.spark.io.MapEntry;
import org.roifeatures.spark.io.MapLoadException;
import org.roifeatures.spark.io.MapLoader;

/**
 * The rejects pass over the work rows, chunk by chunk of each image ({@link ImageGroups}): every
 * proposal the per-row or per-image rules rejected, and every proposal of an image that
 * {@link ImagePlan} rejects or whose maps failed to load in the feature pass, becomes one reject row
 * with its reason. Within an image, rejects come chunk by chunk: a chunk's own rejects, then its
 * proposals rejected with their image.
 */
public final class RejectTask implements MapPartitionsFunction<Row, Row> {

  private static final long serialVersionUID = 1L;

  private final Broadcast<OpSettings> settings;
  /**
   * image_id → {reason, detail} for maps that failed to load in the feature pass; null when no
   * feature pass ran first: then each pooled image's maps are loaded here to find out.
   */
  private final Broadcast<Map<String, String[]>> loadFailures;
  private final boolean roiIdsGiven;
  /** Whether the maps come in carrier rows (maps given as rows; see {@link ImageGroups}). */
  private final boolean mapsInRows;
  /** Reject rows per reason, counted as they are handed to the writer (empty: not counted). */
  private final Map<String, LongAccumulator> counts;

  public RejectTask(Broadcast<OpSettings> settings, Broadcast<Map<String, String[]>> loadFailures,
      boolean roiIdsGiven, boolean mapsInRows, Map<String, LongAccumulator> counts) {
    this.settings = settings;
    this.mapsInRows = mapsInRows;
    this.counts = counts;
    this.loadFailures = loadFailures;
    this.roiIdsGiven = roiIdsGiven;
  }

  @Override
  public Iterator<Row> call(Iterator<Row> work) {
    OpSettings s = settings.value();
    ImageGroups chunks = new ImageGroups(work, roiIdsGiven, ImageGroups.chunkRows(s.batchRois()),
        mapsInRows);
    MapLoader loader = loadFailures == null
        ? new MapLoader(s.maxMapBytes(), s.verifyChecksums()) : null;
    if (loader != null && TaskContext.get() != null) {
      TaskContext.get().addTaskCompletionListener(
          (org.apache.spark.util.TaskCompletionListener) c -> loader.close());
    }
    ImageRejects images = new ImageRejects(s, loadFailures == null ? null : loadFailures.value(),
        loader);
    // Lazily, one chunk at a time: neither a partition's nor an image's rejects have to fit in
    // memory at once.
    return new Iterator<>() {
      private Iterator<Row> current = Collections.emptyIterator();

      @Override
      public boolean hasNext() {
        while (!current.hasNext() && chunks.hasNext()) {
          current = images.rejectsOf(chunks.next()).iterator();
        }
        return current.hasNext();
      }

      @Override
      public Row next() {
        if (!hasNext()) {
          throw new java.util.NoSuchElementException();
        }
        Row r = current.next();
        if (counts.isEmpty()) {
          return r;
        }
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

  /**
   * The reject rows of one chunk after another: the chunk's own rejects, then its good proposals
   * when their image cannot be pooled — decided once per image, at its first chunk with good
   * proposals, as the feature pass does.
   */
  private static final class ImageRejects {
    private final OpSettings s;
    private final Map<String, String[]> failed;
    /** Loads maps when {@code failed} is null (no feature pass to learn load failures from). */
    private final MapLoader loader;
    private float[] scratch;
    /** Whether the current image's fate is decided; then reason and detail (null: pooled). */
    private boolean decided;
    private String reason;
    private String detail;

    ImageRejects(OpSettings s, Map<String, String[]> failed, MapLoader loader) {
      this.s = s;
      this.failed = failed;
      this.loader = loader;
    }

    List<Row> rejectsOf(ImageGroups.Chunk c) {
      if (c.firstOfImage()) {
        decided = false;
      }
      List<Row> out = new ArrayList<>(c.rejected().size());
      for (ImageGroups.Rejected r : c.rejected()) {
        out.add(OutputRows.reject(c.imageId(), r.row(), r.roiId(), r.reason(), r.detail()));
      }
      if (c.good().isEmpty()) {
        return out;
      }
      if (!decided) {
        decide(c.imageId(), c.maps());
      }
      if (reason != null) {
        for (int i = 0; i < c.good().size(); i++) {
          out.add(OutputRows.reject(c.imageId(), c.good().get(i), c.goodRoiIds()[i], reason, detail));
        }
      }
      return out;
    }

    private void decide(String imageId, List<Row> maps) {
      decided = true;
      ImagePlan.Decision d = ImagePlan.decide(imageId, maps, s);
      if (!d.ok()) {
        reason = d.reason().name();
        detail = d.detail();
        return;
      }
      reason = null;
      detail = null;
      if (failed == null) {
        // The feature pass loads every map of an image it pools and skips the image at the first
        // that fails: the same loads, in the same order, give the same reason.
        try {
          for (MapEntry m : d.maps()) {
            scratch = loader.load(m, scratch).data();
          }
        } catch (MapLoadException e) {
          reason = e.reason().name();
          detail = e.getMessage();
        }
        return;
      }
      String[] failure = failed.get(imageId);
      reason = failure == null ? null : failure[0];
      detail = failure == null ? null : failure[1];
    }
  }
}
