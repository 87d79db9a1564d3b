package org.roifeatures.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import org.apache.spark.sql.Row;
import org.roifeatures.spark.InputRecords.Key;
import org.roifeatures.spark.InputRecords.Proposal;

/**
 * The features output a job run must produce, built from the inputs alone ({@link InputRecords}):
 * one row per expected input proposal, its pass-through columns equal to the input's, its vector
 * equal (bit for bit) to what core-ops computes from the INPUT box, and nothing else — no key
 * missing, none twice, none extra. Nothing here reads the job's own columns to build an expectation.
 */
public final class ExpectedOutput {

  /** A level that is not checked (inputs whose level name the test does not define). */
  public static final String ANY_LEVEL = new String("<any level>");

  /** What core-ops computes for one input proposal: the vector and the level name (null: none). */
  public record Pooled(float[] vector, String level) {
    public static Pooled of(float[] vector, String level) {
      return new Pooled(vector, level);
    }
  }

  private final Map<Key, Proposal> expected;
  private final Function<Proposal, Pooled> compute;

  private ExpectedOutput(Map<Key, Proposal> expected, Function<Proposal, Pooled> compute) {
    this.expected = expected;
    this.compute = compute;
  }

  /**
   * Every proposal of {@code inputs} is expected in the output, pooled by {@code compute} (core-ops
   * on the input's box and map; a null vector skips the vector check for that row, e.g. for
   * sampled checks of very large outputs).
   */
  public static ExpectedOutput of(Map<Key, Proposal> inputs, Function<Proposal, Pooled> compute) {
    return new ExpectedOutput(new TreeMap<>(inputs), compute);
  }

  /** The same expectation without the proposals the job must reject. */
  public ExpectedOutput without(Collection<Key> rejected) {
    Map<Key, Proposal> m = new TreeMap<>(expected);
    for (Key k : rejected) {
      if (m.remove(k) == null) {
        throw new IllegalArgumentException("no input proposal " + k);
      }
    }
    return new ExpectedOutput(m, compute);
  }

  public int size() {
    return expected.size();
  }

  public Set<Key> keys() {
    return expected.keySet();
  }

  public Proposal input(Key k) {
    return expected.get(k);
  }

  /** Asserts {@code rows} (a features output, any vector format) are exactly the expected rows. */
  public void assertMatches(List<Row> rows, String what) {
    assertTrue(!expected.isEmpty(), what + ": an expectation with no rows proves nothing");
    assertKeys(rows, expected.keySet(), what);
    for (Row r : rows) {
      Key k = key(r);
      Proposal p = expected.get(k);
      assertPassThrough(p, r, what);
      Pooled want = compute.apply(p);
      if (want.vector() != null) {
        assertArrayEquals(want.vector(), InputRecords.vector(r.getAs("features")),
            what + ": vector of " + k + " (core-ops on the input box)");
      }
      if (hasColumn(r, "level") && want.level() != ANY_LEVEL) {
        assertEquals(want.level(), r.<String>getAs("level"), what + ": level of " + k);
      }
    }
  }

  /**
   * The image_id, roi_id, box, score, label (and angle, when the output has it) of {@code r} equal
   * the input proposal's.
   */
  public static void assertPassThrough(Proposal p, Row r, String what) {
    Key k = p.key();
    assertEquals(p.imageId(), r.<String>getAs("image_id"), what + ": image_id of " + k);
    assertEquals(p.roiId(), r.<Long>getAs("roi_id").longValue(), what + ": roi_id of " + k);
    assertEquals(p.x1(), r.<Double>getAs("x1"), what + ": x1 of " + k);
    assertEquals(p.y1(), r.<Double>getAs("y1"), what + ": y1 of " + k);
    assertEquals(p.x2(), r.<Double>getAs("x2"), what + ": x2 of " + k);
    assertEquals(p.y2(), r.<Double>getAs("y2"), what + ": y2 of " + k);
    assertEquals(p.score(), r.<Double>getAs("score"), what + ": score of " + k);
    assertEquals(p.label(), r.<Integer>getAs("label"), what + ": label of " + k);
    if (hasColumn(r, "angle")) {
      // The job writes an absent angle as 0 (OutputRows).
      assertEquals(p.angle() == null ? Double.valueOf(0.0) : p.angle(), r.<Double>getAs("angle"),
          what + ": angle of " + k);
    }
  }

  /** The output's keys are exactly {@code want}: none missing, none duplicated, none extra. */
  public static void assertKeys(List<Row> rows, Set<Key> want, String what) {
    Set<Key> seen = new TreeSet<>();
    List<Key> duplicates = new ArrayList<>();
    for (Row r : rows) {
      Key k = key(r);
      if (!seen.add(k)) {
        duplicates.add(k);
      }
    }
    Set<Key> missing = new TreeSet<>(want);
    missing.removeAll(seen);
    Set<Key> extra = new TreeSet<>(seen);
    extra.removeAll(want);
    if (!duplicates.isEmpty() || !missing.isEmpty() || !extra.isEmpty()) {
      fail(what + ": output keys differ from the input's (" + rows.size() + " rows, " + want.size()
          + " expected): duplicated " + first(duplicates) + ", missing " + first(missing)
          + ", extra " + first(extra));
    }
  }

  public static Key key(Row r) {
    return new Key(r.getAs("image_id"), r.<Long>getAs("roi_id"));
  }

  private static boolean hasColumn(Row r, String name) {
    return List.of(r.schema().fieldNames()).contains(name);
  }

  private static String first(Collection<Key> keys) {
    List<Key> l = new ArrayList<>(keys);
    return l.size() + " " + (l.size() > 5 ? l.subList(0, 5) + "..." : l.toString());
  }
}
