package org.roifeatures.spark.task;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.junit.jupiter.api.Test;
import scala.jdk.javaapi.CollectionConverters;
import org.roifeatures.spark.RejectReason;

/**
 * Chunked grouping: whatever the chunk size, every row gets the roi_id and the outcome (pooled, or
 * rejected with which reason) that the per-image rules give when applied to the input rows directly,
 * including duplicates whose first use is in an earlier chunk; with maps given as rows, the
 * carrier rows give an image its maps and are never proposals.
 */
class ImageGroupsTest {

  private static final int ORDER = WorkRow.COLUMNS.indexOf("_order");

  /**
   * A work row in {@link WorkRow#COLUMNS} order, its maps a Scala sequence as Spark's rows hold them.
   */
  private static Row row(String image, Long roiId, String reason, List<Row> maps, long order) {
    return RowFactory.create(image, roiId, 1.0 * order, 2.0, 30.0, 40.0, null, null, null, reason,
        reason == null ? null : "bad " + order, order,
        maps == null ? null : CollectionConverters.asScala(maps).toSeq());
  }

  private static List<Row> maps(String image) {
    return List.of(RowFactory.create(image + ".npy"));
  }

  /** What happened to one input row: its id and its reject reason (null: to be pooled). */
  private record Outcome(Long roiId, String reason) {}

  /** The per-image rules applied to all input rows at once, in the plainest form. */
  private static List<Outcome> expected(List<Row> rows, boolean idsGiven) {
    List<Outcome> out = new ArrayList<>();
    Map<String, Set<Long>> seen = new HashMap<>();
    Map<String, Long> positions = new HashMap<>();
    for (Row r : rows) {
      String image = r.getString(WorkRow.IMAGE_ID);
      long position = positions.merge(image, 1L, Long::sum) - 1;
      Long id = idsGiven ? (r.isNullAt(WorkRow.ROI_ID_GIVEN) ? null : r.getLong(WorkRow.ROI_ID_GIVEN))
          : Long.valueOf(position);
      boolean firstUse = id == null || seen.computeIfAbsent(image, k -> new HashSet<>()).add(id);
      String reason = r.getString(WorkRow.REASON);
      if (reason == null && !firstUse) {
        reason = RejectReason.DUPLICATE_ROI_ID.name();
      } else if (reason == null && id == null) {
        reason = RejectReason.BAD_RECORD.name();
      }
      out.add(new Outcome(id, reason));
    }
    return out;
  }

  /** Groups in chunks of {@code chunkRows}, checks each chunk's shape, returns outcomes by row. */
  private static List<Outcome> chunked(List<Row> rows, boolean idsGiven, int chunkRows) {
    Map<Long, Outcome> byOrder = new HashMap<>();
    ImageGroups groups = new ImageGroups(rows.iterator(), idsGiven, chunkRows);
    String previous = null;
    boolean any = false;
    long nextOrder = 0;
    while (groups.hasNext()) {
      ImageGroups.Chunk c = groups.next();
      int size = c.good().size() + c.rejected().size();
      assertTrue(size >= 1 && size <= chunkRows, "chunk of " + size + " rows");
      assertEquals(c.good().size(), c.goodRoiIds().length);
      assertEquals(!any || !Objects.equals(previous, c.imageId()), c.firstOfImage(),
          "first chunk flag of " + c.imageId());
      List<Long> orders = new ArrayList<>();
      for (int i = 0; i < c.good().size(); i++) {
        Row r = c.good().get(i);
        assertEquals(c.imageId(), r.getString(WorkRow.IMAGE_ID));
        byOrder.put(r.getLong(ORDER), new Outcome(c.goodRoiIds()[i], null));
        orders.add(r.getLong(ORDER));
      }
      for (ImageGroups.Rejected x : c.rejected()) {
        assertEquals(c.imageId(), x.row().getString(WorkRow.IMAGE_ID));
        byOrder.put(x.row().getLong(ORDER), new Outcome(x.roiId(), x.reason()));
        orders.add(x.row().getLong(ORDER));
      }
      // A chunk is a run of consecutive input rows; its maps are those of its image's first row.
      orders.sort(null);
      for (long o : orders) {
        assertEquals(nextOrder++, o, "rows of a chunk are the next input rows");
      }
      Row first = rows.get((int) (long) orders.get(0));
      assertEquals(WorkRow.maps(first), c.maps());
      assertEquals(groupsMapsOf(rows, c.imageId()), c.maps());
      previous = c.imageId();
      any = true;
    }
    assertEquals(rows.size(), byOrder.size(), "every row exactly once");
    List<Outcome> out = new ArrayList<>();
    for (long i = 0; i < rows.size(); i++) {
      out.add(byOrder.get(i));
    }
    return out;
  }

  /** The maps of the first row of {@code image}: those every chunk of it must carry. */
  private static List<Row> groupsMapsOf(List<Row> rows, String image) {
    for (Row r : rows) {
      if (Objects.equals(r.getString(WorkRow.IMAGE_ID), image)) {
        return WorkRow.maps(r);
      }
    }
    throw new AssertionError("no row of " + image);
  }

  @Test
  void idsAndDuplicatesAcrossChunkBoundaries() {
    List<Row> a = maps("a");
    List<Row> b = maps("b");
    String bad = RejectReason.NON_FINITE_BOX.name();
    long o = 0;
    // Chunks of 3: a's rows fall in [0..2] [3..5] [6], b's in [7..9] [10].
    List<Row> rows = List.of(
        row("a", 10L, null, a, o++), row("a", 11L, null, a, o++), row("a", 12L, null, a, o++),
        row("a", 13L, null, a, o++),
        row("a", 10L, null, a, o++),   // first used in the previous chunk: duplicate
        row("a", null, null, a, o++),  // null id in an input with ids
        row("a", 11L, bad, a, o++),    // rejected by the row checks, keeps its own reason
        row("b", 10L, null, b, o++),   // another image: not a duplicate
        row("b", 14L, bad, b, o++),
        row("b", 15L, null, b, o++),
        row("b", 14L, null, b, o++));  // the rejected row used id 14 first: duplicate
    List<Outcome> got = chunked(rows, true, 3);
    assertEquals(expected(rows, true), got);
    assertEquals(new Outcome(10L, RejectReason.DUPLICATE_ROI_ID.name()), got.get(4));
    assertEquals(new Outcome(10L, null), got.get(7));
    assertEquals(new Outcome(14L, RejectReason.DUPLICATE_ROI_ID.name()), got.get(10));
  }

  @Test
  void positionsContinueAcrossChunksAndRestartPerImage() {
    List<Row> a = maps("a");
    List<Row> b = maps("b");
    List<Row> rows = new ArrayList<>();
    long o = 0;
    for (int i = 0; i < 7; i++) {
      rows.add(row("a", null, i == 4 ? RejectReason.BAD_RECORD.name() : null, a, o++));
    }
    for (int i = 0; i < 2; i++) {
      rows.add(row("b", null, null, b, o++));
    }
    List<Outcome> got = chunked(rows, false, 2);
    assertEquals(expected(rows, false), got);
    assertEquals(new Outcome(4L, RejectReason.BAD_RECORD.name()), got.get(4));
    assertEquals(new Outcome(6L, null), got.get(6));
    assertEquals(new Outcome(0L, null), got.get(7));
  }

  @Test
  void randomInputsAgreeWithTheRulesForEveryChunkSize() {
    Random rnd = new Random(11);
    for (int round = 0; round < 40; round++) {
      boolean idsGiven = rnd.nextBoolean();
      List<Row> rows = new ArrayList<>();
      int images = 1 + rnd.nextInt(4);
      long o = 0;
      for (int im = 0; im < images; im++) {
        // A null image id is a group of its own too (its rows all carry a row-level reason).
        String id = im == 0 && rnd.nextInt(5) == 0 ? null : "img" + im;
        List<Row> m = id == null ? null : maps(id);
        int n = 1 + rnd.nextInt(60);
        for (int k = 0; k < n; k++) {
          Long roi = rnd.nextInt(15) == 0 ? null : Long.valueOf(rnd.nextInt(40) - 3);
          String reason = id == null ? RejectReason.MISSING_IMAGE_ID.name()
              : rnd.nextInt(8) == 0 ? RejectReason.BAD_RECORD.name() : null;
          rows.add(row(id, roi, reason, m, o++));
        }
      }
      List<Outcome> want = expected(rows, idsGiven);
      for (int chunk : new int[] {1, 2, 3, 7, 64, 4096}) {
        assertEquals(want, chunked(rows, idsGiven, chunk), "round " + round + " chunk " + chunk);
      }
    }
  }

  /** A carrier row (maps given as rows): one map of an image, every proposal column null. */
  private static Row carrier(String image, String level) {
    return RowFactory.create(image, null, null, null, null, null, null, null, null, null, null, null,
        CollectionConverters.asScala(List.of(RowFactory.create(image + "/" + level))).toSeq());
  }

  @Test
  void carrierRowsGiveTheirImageItsMapsAndAreNeverProposals() {
    Random rnd = new Random(3);
    for (int round = 0; round < 40; round++) {
      boolean idsGiven = rnd.nextBoolean();
      List<Row> proposals = new ArrayList<>();
      List<Row> work = new ArrayList<>();
      Map<String, List<Row>> mapsOf = new HashMap<>();
      long o = 0;
      int images = 1 + rnd.nextInt(5);
      for (int im = 0; im < images; im++) {
        String id = "img" + im;
        // No carriers: an image without maps; no proposals: maps that give nothing.
        int levels = rnd.nextInt(3);
        int n = rnd.nextInt(4) == 0 ? 0 : 1 + rnd.nextInt(20);
        List<Row> m = new ArrayList<>();
        for (int l = 0; l < levels; l++) {
          Row c = carrier(id, "p" + l);
          work.add(c);
          m.add(WorkRow.maps(c).get(0));
        }
        mapsOf.put(id, m.isEmpty() ? null : m);
        for (int k = 0; k < n; k++) {
          Long roi = rnd.nextInt(15) == 0 ? null : Long.valueOf(rnd.nextInt(30));
          String reason = rnd.nextInt(8) == 0 ? RejectReason.BAD_RECORD.name() : null;
          Row r = row(id, roi, reason, null, o++);
          proposals.add(r);
          work.add(r);
        }
      }
      List<Outcome> want = expected(proposals, idsGiven);
      for (int chunk : new int[] {1, 3, 64}) {
        Map<Long, Outcome> byOrder = new HashMap<>();
        ImageGroups groups = new ImageGroups(work.iterator(), idsGiven, chunk, true);
        while (groups.hasNext()) {
          ImageGroups.Chunk c = groups.next();
          assertEquals(mapsOf.get(c.imageId()), c.maps(), "maps of " + c.imageId());
          for (int i = 0; i < c.good().size(); i++) {
            byOrder.put(c.good().get(i).getLong(ORDER), new Outcome(c.goodRoiIds()[i], null));
          }
          for (ImageGroups.Rejected x : c.rejected()) {
            byOrder.put(x.row().getLong(ORDER), new Outcome(x.roiId(), x.reason()));
          }
        }
        List<Outcome> got = new ArrayList<>();
        for (long i = 0; i < proposals.size(); i++) {
          got.add(byOrder.get(i));
        }
        assertEquals(proposals.size(), byOrder.size(), "every proposal once, no carrier");
        assertEquals(want, got, "round " + round + " chunk " + chunk);
      }
    }
  }

  @Test
  void chunkRowsAreWholeBatches() {
    assertEquals(ImageGroups.TARGET_CHUNK_ROWS, ImageGroups.chunkRows(64));
    assertEquals(4100, ImageGroups.chunkRows(20));
    assertEquals(ImageGroups.TARGET_CHUNK_ROWS, ImageGroups.chunkRows(1));
    assertEquals(10_000, ImageGroups.chunkRows(10_000));
    assertFalse(new ImageGroups(List.<Row>of().iterator(), true, 5).hasNext());
  }

  @Test
  void roiIdSetMatchesAHashSet() {
    Random rnd = new Random(5);
    RoiIdSet set = new RoiIdSet();
    for (int image = 0; image < 3; image++) {
      Set<Long> want = new HashSet<>();
      int n = image == 1 ? 200_000 : 1000;
      for (int i = 0; i < n; i++) {
        // Small, negative, zero, strided by a power of two and arbitrary ids.
        long id = switch (rnd.nextInt(4)) {
          case 0 -> rnd.nextInt(50) - 25;
          case 1 -> (long) rnd.nextInt(1 << 16) << 20;
          default -> rnd.nextLong();
        };
        assertEquals(want.add(id), set.add(id), "id " + id);
      }
      set.clear();
    }
    assertArrayEquals(new boolean[] {true, false}, new boolean[] {set.add(0), set.add(0)});
  }
}
