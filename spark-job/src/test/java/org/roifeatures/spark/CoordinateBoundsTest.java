package org.roifeatures.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.roifeatures.spark.io.Proposals;

/**
 * Every finite float32 coordinate, written as text, is read back as the same float32 (the largest,
 * {@code 3.4028235E38}, included); a value that rounds to an infinite float32 is NON_FINITE_BOX.
 */
class CoordinateBoundsTest extends SparkTestBase {

  private static Path dir;

  @BeforeAll
  static void setUp() throws Exception {
    dir = tempDir("coordinate-bounds");
  }

  @AfterAll
  static void cleanup() throws Exception {
    deleteTree(dir);
  }

  /** Reads {@code x2} values (x1 = y1 = 0, y2 = 1) and returns row by x2 text. */
  private static Map<String, Row> read(List<String> x2, boolean rotated) throws Exception {
    StringBuilder csv = new StringBuilder("image_id,x1,y1,x2,y2,roi_id\n");
    for (int i = 0; i < x2.size(); i++) {
      csv.append("img,0,0,").append(x2.get(i)).append(",1,").append(i).append('\n');
    }
    Path f = Files.createTempFile(dir, "coords", ".csv");
    Files.writeString(f, csv.toString());
    Map<String, Row> byText = new HashMap<>();
    for (Row r : Proposals.read(spark, f.toString(), "csv", rotated).rows()
        .select("roi_id_given", "x2", "reason", "detail").collectAsList()) {
      byText.put(x2.get((int) r.getLong(0)), r);
    }
    return byText;
  }

  @Test
  void finiteFloat32BoundaryValuesAreAcceptedAndRoundTrip() throws Exception {
    List<Float> values = new ArrayList<>(List.of(Float.MAX_VALUE, -Float.MAX_VALUE,
        Math.nextDown(Float.MAX_VALUE), Float.MIN_VALUE, -Float.MIN_VALUE, Float.MIN_NORMAL,
        Math.nextDown(Float.MIN_NORMAL), 0f, -0f, 1f, 0.1f, 16777217f, 1e30f, 3.4028233e38f));
    Random rnd = new Random(11);
    for (int i = 0; i < 500; i++) {
      float f = Float.intBitsToFloat(rnd.nextInt());
      if (Float.isFinite(f)) {
        values.add(f);
      }
    }
    List<String> texts = new ArrayList<>();
    for (float f : values) {
      texts.add(Float.toString(f));
    }
    texts.add("3.4028235e38"); // lower-case exponent, as Python and C print it
    texts.add("340282346638528859811704183484516925440"); // MAX_VALUE exactly, all digits
    // Just below the tie between MAX_VALUE and 2^128: still rounds to MAX_VALUE.
    texts.add(Double.toString(Math.nextDown(0x1.ffffffp127)));
    Map<String, Row> rows = read(texts, false);
    for (String t : texts) {
      Row r = rows.get(t);
      assertNull(r.getString(2), t + ": " + r.getString(3));
      float expected = (float) Double.parseDouble(t);
      assertEquals(Float.floatToIntBits(expected), Float.floatToIntBits((float) r.getDouble(1)), t);
    }
    for (int i = 0; i < values.size(); i++) {
      assertEquals(Float.floatToIntBits(values.get(i)),
          Float.floatToIntBits((float) rows.get(texts.get(i)).getDouble(1)), texts.get(i));
    }
  }

  @Test
  void valuesThatOverflowFloat32AreNotFinite() throws Exception {
    List<String> texts = List.of(
        Double.toString(0x1.ffffffp127), // the tie between MAX_VALUE and 2^128: rounds to infinity
        "3.4028236e38", "-3.4028236e38", "1e39", "1.7976931348623157e308", "1e400", "Infinity",
        "-Infinity", "NaN");
    Map<String, Row> rows = read(texts, false);
    for (String t : texts) {
      Row r = rows.get(t);
      assertEquals("NON_FINITE_BOX", r.getString(2), t + ": " + r.getString(3));
    }
  }

  @Test
  void rotatedBoxSizesUpToMaxFloatAreAccepted() throws Exception {
    // x1 = 0: the width x2 - x1 is x2.
    Map<String, Row> rows = read(List.of("3.4028235E38", "3.4028236e38"), true);
    assertNull(rows.get("3.4028235E38").getString(2), rows.get("3.4028235E38").getString(3));
    assertEquals("NON_FINITE_BOX", rows.get("3.4028236e38").getString(2));
  }
}
