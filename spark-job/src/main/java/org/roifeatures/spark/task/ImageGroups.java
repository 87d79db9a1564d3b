package org.roifeatures.spark.task;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import org.apache.spark.sql.Row;
import org.roifeatures.spark.RejectReason;

/**
 * Turns a partition of work rows, in which each image's rows are contiguous and in input order (the
 * job sorts them so), into {@link Chunk}s of at most {@code chunkRows} consecutive rows of one image,
 * applying the per-image proposal rules across all chunks of the image:
 * <ul>
 *   <li>{@code roi_id} is the input's when it has the column, else the 0-based position of the
 *       proposal among all of its image's rows in input order (rejected rows count);</li>
 *   <li>a proposal that passed the per-row checks but whose non-null roi_id an earlier row of the same
 *       image already has is rejected as {@link RejectReason#DUPLICATE_ROI_ID}; the first is kept.</li>
 * </ul>
 * Only one chunk's rows are held, whatever the number of proposals of an image; what is kept across
 * an image's chunks is its id, its maps (taken once, from its first row), the position, and — only
 * when the input gives roi_ids — the set of ids used so far ({@link RoiIdSet}). Positions are unique
 * by construction, so without a roi_id column no set is kept.
 * The feature pass and the rejects pass both group through this class, so they agree on every id.
 *
 * <p>With maps given as rows ({@code carriers}), an image's maps come in its own rows instead: one
 * carrier row per map (non-null {@code maps}, no proposal), sorted before the image's proposals,
 * whose {@code maps} are null. The carriers' maps become the image's; a carrier is never a proposal
 * (not numbered, not counted, not emitted), and an image with carriers but no proposals gives no
 * chunk at all.
 */
public final class ImageGroups implements Iterator<ImageGroups.Chunk> {

  /** A proposal that cannot be pooled, whatever the maps: its row, id, reason and detail. */
  public record Rejected(Row row, Long roiId, String reason, String detail) {}

  /**
   * Consecutive rows of one image: its id (null for proposals without one), its map entries from the
   * index (null when it has none; the same list in every chunk of the image), whether this is the
   * image's first chunk, the proposals to pool with their ids, and the proposals already rejected.
   */
  public record Chunk(String imageId, List<Row> maps, boolean firstOfImage, List<Row> good,
      long[] goodRoiIds, List<Rejected> rejected) {}

  /** Rows per chunk the tasks aim at: enough that per-chunk work is negligible, few enough to hold. */
  static final int TARGET_CHUNK_ROWS = 4096;

  /**
   * Rows per chunk for pooling batches of {@code batchRois}: the smallest multiple of the batch that
   * reaches {@link #TARGET_CHUNK_ROWS}, so that every batch but an image's last is full.
   */
  public static int chunkRows(int batchRois) {
    if (batchRois >= TARGET_CHUNK_ROWS) {
      return batchRois;
    }
    return (TARGET_CHUNK_ROWS + batchRois - 1) / batchRois * batchRois;
  }

  private final Iterator<Row> rows;
  private final boolean idsGiven;
  private final int chunkRows;
  /** Whether maps come in carrier rows (maps given as rows) rather than on every proposal. */
  private final boolean carriers;
  /** The image of the carrier rows read last and their maps, until its first proposal takes them. */
  private String carriedImage;
  private List<Row> carriedMaps;
  /** Ids the current image has used; null when ids are positions. */
  private final RoiIdSet seen;
  /** A row already read that starts the next image, or null. */
  private Row pending;
  private boolean started;
  private String imageId;
  private List<Row> maps;
  /** Position within the current image of the next row. */
  private long position;

  /**
   * @param rows work rows, each image's together and in input order
   * @param idsGiven whether the input has a roi_id column (else ids are positions)
   * @param chunkRows most rows per chunk, at least 1
   */
  public ImageGroups(Iterator<Row> rows, boolean idsGiven, int chunkRows) {
    this(rows, idsGiven, chunkRows, false);
  }

  /**
   * @param carriers whether each image's maps come in carrier rows before its proposals (see the
   *                 class comment) rather than on every proposal row
   */
  public ImageGroups(Iterator<Row> rows, boolean idsGiven, int chunkRows, boolean carriers) {
    if (chunkRows < 1) {
      throw new IllegalArgumentException("chunkRows must be >= 1, got " + chunkRows);
    }
    this.rows = rows;
    this.idsGiven = idsGiven;
    this.chunkRows = chunkRows;
    this.carriers = carriers;
    this.seen = idsGiven ? new RoiIdSet() : null;
  }

  @Override
  public boolean hasNext() {
    if (carriers) {
      takeCarriers();
    }
    return pending != null || rows.hasNext();
  }

  /**
   * Reads carrier rows up to the next proposal (then {@code pending}) or the end, keeping the maps
   * of the last image they carry; an earlier image's carriers had no proposal and are dropped.
   */
  private void takeCarriers() {
    while (pending == null || isCarrier(pending)) {
      if (pending == null) {
        if (!rows.hasNext()) {
          return;
        }
        pending = rows.next();
        continue;
      }
      String id = WorkRow.imageId(pending);
      if (carriedMaps == null || !id.equals(carriedImage)) {
        carriedImage = id;
        carriedMaps = new ArrayList<>();
      }
      carriedMaps.addAll(WorkRow.maps(pending));
      pending = null;
    }
  }

  private boolean isCarrier(Row r) {
    return carriers && !r.isNullAt(WorkRow.MAPS);
  }

  @Override
  public Chunk next() {
    if (!hasNext()) {
      throw new NoSuchElementException();
    }
    Row r = pending != null ? pending : rows.next();
    pending = null;
    // Images are contiguous: a row with the current image's id continues it.
    boolean first = !started || !Objects.equals(WorkRow.imageId(r), imageId);
    if (first) {
      started = true;
      imageId = WorkRow.imageId(r);
      if (carriers) {
        // Carriers sort before their image's proposals: the maps read last are this image's, if any.
        maps = carriedMaps != null && Objects.equals(imageId, carriedImage) ? carriedMaps : null;
        carriedMaps = null;
        carriedImage = null;
      } else {
        maps = WorkRow.maps(r);
      }
      position = 0;
      if (seen != null) {
        seen.clear();
      }
    }
    List<Row> good = new ArrayList<>();
    long[] goodIds = new long[Math.min(chunkRows, 1024)];
    int goodCount = 0;
    List<Rejected> rejected = new ArrayList<>(0);
    int taken = 0;
    while (true) {
      Long roiId = idsGiven ? WorkRow.givenRoiId(r) : Long.valueOf(position);
      position++;
      taken++;
      String reason = WorkRow.reason(r);
      boolean firstUse = roiId == null || seen == null || seen.add(roiId);
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
        if (goodCount == goodIds.length) {
          goodIds = Arrays.copyOf(goodIds, Math.min(chunkRows, 2 * goodIds.length));
        }
        good.add(r);
        goodIds[goodCount++] = roiId;
      }
      if (taken == chunkRows || !rows.hasNext()) {
        break;
      }
      Row n = rows.next();
      if (!Objects.equals(WorkRow.imageId(n), imageId) || isCarrier(n)) {
        pending = n;
        break;
      }
      r = n;
    }
    return new Chunk(imageId, maps, first, good, Arrays.copyOf(goodIds, goodCount), rejected);
  }
}
