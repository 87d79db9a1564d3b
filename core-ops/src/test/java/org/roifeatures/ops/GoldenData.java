package org.roifeatures.ops;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.params.provider.Arguments;

/**
 * Reads the shared golden reference files ({@code ../shared/golden} beside the project root). A missing
 * file fails the test: the golden data is what proves the operators right.
 */
public final class GoldenData {

  public static final String TORCHVISION = "roi_ops_golden.json";
  public static final String ONNX = "roi_align_onnx_golden.json";

  /** Absolute and relative tolerance, float32. */
  public static final double TOLERANCE = 1e-5;

  private static final Map<String, JsonNode> CACHE = new ConcurrentHashMap<>();

  /**
   * The only rows of the golden files the reference leaves undefined (null: torchvision computed
   * NaN), as {@code "file#case/row"}: 8 {@code ps_roi_align} rows whose boxes have an empty sample
   * grid, where the project documents 0 (README, operator table). Each is checked to be exactly 0;
   * any other null row, and any element that is not a number, fails.
   */
  public static final Set<String> UNDEFINED_ROWS = Set.of(
      TORCHVISION + "#456/5", TORCHVISION + "#459/5", TORCHVISION + "#462/5",
      TORCHVISION + "#465/5", TORCHVISION + "#468/5", TORCHVISION + "#468/7",
      TORCHVISION + "#471/5", TORCHVISION + "#471/7");

  private GoldenData() {}

  /** Locates a golden file from the project root (set by Maven) or the working directory. */
  public static Path locate(String fileName) {
    List<Path> tried = new ArrayList<>();
    String root = System.getProperty("roifeatures.projectRoot");
    List<Path> bases = new ArrayList<>();
    if (root != null && !root.isBlank()) {
      bases.add(Paths.get(root));
    }
    Path cwd = Paths.get("").toAbsolutePath();
    bases.add(cwd);
    if (cwd.getParent() != null) {
      bases.add(cwd.getParent());
    }
    for (Path base : bases) {
      Path candidate = base.resolve("../shared/golden").resolve(fileName).normalize();
      tried.add(candidate);
      if (Files.isRegularFile(candidate)) {
        return candidate;
      }
    }
    return Assertions.fail("golden file " + fileName + " not found; looked at " + tried);
  }

  /** The parsed file, cached per JVM. */
  public static JsonNode load(String fileName) {
    return CACHE.computeIfAbsent(fileName, f -> {
      try {
        return new ObjectMapper().readTree(locate(f).toFile());
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read golden file " + f, e);
      }
    });
  }

  /** All cases of {@code op}, each as one named JUnit argument holding the case node and the file. */
  public static Stream<Arguments> cases(String fileName, String op) {
    JsonNode root = load(fileName);
    List<Arguments> out = new ArrayList<>();
    JsonNode cases = root.get("cases");
    for (int i = 0; i < cases.size(); i++) {
      JsonNode c = cases.get(i);
      if (op.equals(c.get("op").asText())) {
        out.add(Arguments.of(Named.of("#" + i + " " + describe(c), c)));
      }
    }
    Assertions.assertFalse(out.isEmpty(), "no cases of op " + op + " in " + fileName);
    return out.stream();
  }

  static String describe(JsonNode c) {
    StringBuilder s = new StringBuilder(c.get("op").asText());
    s.append(' ').append(c.get("pooled_h").asInt()).append('x').append(c.get("pooled_w").asInt());
    for (String key : new String[] {"spatial_scale", "sampling_ratio", "aligned", "mode",
        "coordinate_transformation_mode", "feature", "boxes"}) {
      if (c.has(key)) {
        s.append(' ').append(key).append('=').append(c.get(key).asText());
      }
    }
    return s.toString();
  }

  /** A feature tensor {@code f*} as a CHW map. */
  public static FeatureMap feature(JsonNode root, String name) {
    JsonNode t = root.get("tensors").get(name);
    JsonNode shape = t.get("shape");
    JsonNode data = t.get("data");
    float[] values = new float[data.size()];
    for (int i = 0; i < values.length; i++) {
      values[i] = (float) data.get(i).asDouble();
    }
    return FeatureMap.chw(values, shape.get(0).asInt(), shape.get(1).asInt(), shape.get(2).asInt());
  }

  /** The torchvision file's feature map named by a case's {@code feature}. */
  public static FeatureMap featureOf(JsonNode testCase) {
    return feature(load(TORCHVISION), testCase.get("feature").asText());
  }

  /** The torchvision file's box set named by a case's {@code boxes}. */
  public static float[] boxesOf(JsonNode testCase) {
    return boxes(load(TORCHVISION), testCase.get("boxes").asText());
  }

  /** A RoI Align case's parameters (average mode); {@code aligned} as the op defines it. */
  public static RoiAlignParams alignParams(JsonNode testCase, boolean aligned) {
    return RoiAlignParams.of(testCase.get("pooled_h").asInt(), testCase.get("pooled_w").asInt(),
        testCase.get("spatial_scale").asDouble(), testCase.get("sampling_ratio").asInt(), aligned);
  }

  /** A box set {@code b*} as a flat float array. */
  public static float[] boxes(JsonNode root, String name) {
    JsonNode t = root.get("tensors").get(name);
    float[] out = new float[t.size() * 4];
    for (int i = 0; i < t.size(); i++) {
      for (int k = 0; k < 4; k++) {
        out[4 * i + k] = (float) t.get(i).get(k).asDouble();
      }
    }
    return out;
  }

  /** {@code "file#case/row"} of a row of a case of a loaded golden file. */
  public static String rowId(JsonNode testCase, int row) {
    for (Map.Entry<String, JsonNode> e : CACHE.entrySet()) {
      JsonNode cases = e.getValue().get("cases");
      for (int i = 0; i < cases.size(); i++) {
        if (cases.get(i) == testCase) {
          return e.getKey() + "#" + i + "/" + row;
        }
      }
    }
    throw new IllegalArgumentException("not a case of a loaded golden file: " + describe(testCase));
  }

  /**
   * Checks an undefined (null) expected row: it must be one of {@link #UNDEFINED_ROWS}, and the
   * output there is the documented 0 in every element.
   */
  public static void assertUndefinedRow(JsonNode testCase, int row, float[] actual, int rowLength,
      String what) {
    String id = rowId(testCase, row);
    if (!UNDEFINED_ROWS.contains(id)) {
      Assertions.fail(what + ": golden row " + id + " (" + describe(testCase) + ") is null, and it"
          + " is not one of the pinned undefined rows " + new java.util.TreeSet<>(UNDEFINED_ROWS));
    }
    for (int i = 0; i < rowLength; i++) {
      float a = actual[row * rowLength + i];
      if (a != 0f) {
        Assertions.fail(what + ": " + id + " element " + i + " is " + a + "; the project documents"
            + " 0 where torchvision's ps_roi_align is undefined");
      }
    }
  }

  /** A golden element: must be a JSON number. */
  public static double number(JsonNode testCase, int row, int i, JsonNode value) {
    if (value == null || !value.isNumber()) {
      Assertions.fail("golden row " + rowId(testCase, row) + " element " + i + " is not a number: "
          + value);
    }
    return value.asDouble();
  }

  /**
   * Compares {@code actual} rows with the case's expected rows; returns the number of rows the
   * reference leaves undefined (null), each of which must be a pinned one where the output is 0.
   */
  public static int assertRows(JsonNode testCase, float[] actual, int rowLength) {
    JsonNode expected = testCase.get("expected");
    Assertions.assertEquals(expected.size() * rowLength, actual.length, "output length");
    int undefined = 0;
    for (int r = 0; r < expected.size(); r++) {
      JsonNode row = expected.get(r);
      if (row.isNull()) {
        assertUndefinedRow(testCase, r, actual, rowLength, describe(testCase));
        undefined++;
        continue;
      }
      Assertions.assertTrue(row.isArray(), "row " + r + " is not a list: " + row);
      Assertions.assertEquals(rowLength, row.size(), "row " + r + " length");
      for (int i = 0; i < rowLength; i++) {
        double e = number(testCase, r, i, row.get(i));
        double a = actual[r * rowLength + i];
        if (!(Math.abs(a - e) <= TOLERANCE + TOLERANCE * Math.abs(e))) {
          Assertions.fail("row " + r + " element " + i + ": expected " + e + " got " + a
              + " (|diff|=" + Math.abs(a - e) + ")");
        }
      }
    }
    return undefined;
  }
}
