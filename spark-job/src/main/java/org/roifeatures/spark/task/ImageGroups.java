package org.roifeatures.spark.task;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Set;
import org.apache.spark.sql.Row;
import org.roifeatures.spark.RejectReason;

/**
 * Turns a partition of work rows, in which each image's rows are contiguous and in input order (the
 * job sorts them so), into one {@link ImageGroup} per image, applying the per-image proposal rules:
 * <ul>
 *   <li>{@code roi_id} is the input's when it has the column, else the 0-based position of the
 *       proposal among all of its image's rows in input order (rejected rows count);</li>
 *   <li>a proposal that passed the per-row checks but whose non-null roi_id an earlier row of the same
 *       image already has is rejected as {@link RejectReason#DUPLICATE_ROI_ID}; the first is kept.</li>
 * </ul>
 * The feature pass and the rejects pass both group through this class, so they agree on every id.
 */
public final class ImageGroups implements Iterator<ImageGroups.ImageGroup> {

  /** A proposal that cannot be pooled, whatever the maps: its row, id, reason and detail. */
  public record Rejected(Row row, Long roiId, String reason, String detail) {}

  /**
   * One image: its id (null for proposals without one), its map entries from the index (null when it
   * has none), the proposals to pool with their ids, and the proposals already rejected.
   */
  public record ImageGroup(String imageId, List<Row> maps, List<Row> good, long[] goodRoiIds,
      List<Rejected> rejected) {}

  private final Iterator<Row> rows;
  private final boolean idsGiven;
  private Row pending;

  /**
   * @param rows work rows, each image's together and in input order
   * @param idsGiven whether the input has a roi_id column (else ids are positions)
   */
  public ImageGroups(Iterator<Row> rows, boolean idsGiven) {
    this.rows = rows;
    this.idsGiven = idsGiven;
  }

  @Override
  public boolean hasNext() {
    return pending != null || rows.hasNext();
  }

  @Override
  public ImageGroup next() {
    if (!hasNext()) {
      throw new NoSuchElementException();
    }
    Row first = pending != null ? pending : rows.next();
    pending = null;
    String imageId = WorkRow.imageId(first);
    List<Row> maps = WorkRow.maps(first);
    List<Row> good = new ArrayList<>();
    List<Long> goodIds = new ArrayList<>();
    List<Rejected> rejected = new ArrayList<>(0);
    Set<Long> seen = new HashSet<>();
    long position = 0;
    Row r = first;
    while (true) {
      Long roiId = idsGiven ? WorkRow.givenRoiId(r) : Long.valueOf(position);
      position++;
      String reason = WorkRow.reason(r);
      boolean firstUse = roiId == null || seen.add(roiId);
      if (reason != null) {
        rejected.add(new Rejected(r, roiId, reason, WorkRow.detail(r)));
      } else if (!firstUse) {
        rejected.add(new Rejected(r, roiId, RejectReason.DUPLICATE_ROI_ID.name(),
            "roi_id " + roiId + " already used in image " + imageId));
      } else if (roiId == null) {
        // A null roi_id in an input that has the column: the output needs an id.
        rejected.add(new Rejected(r, null, RejectReason.BAD_RECORD.name(),
            "roi_id is null in image " + imageId));
      } else {
        good.add(r);
        goodIds.add(roiId);
      }
      if (!rows.hasNext()) {
        break;
      }
      Row n = rows.next();
      if (!Objects.equals(WorkRow.imageId(n), imageId)) {
        pending = n;
        break;
      }
      r = n;
    }
    long[] ids = new long[goodIds.size()];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = goodIds.get(i);
    }
    return new ImageGroup(imageId, maps, good, ids, rejected);
  }
}
