package org.roifeatures.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The vector kernels against the scalar ones on random maps and boxes: channel counts of 1, odd and
 * non-power-of-two sizes (so the vector body, the one-vector remainder and the scalar channel tail all
 * run), boxes inside, partly and fully outside the map, tiny, inverted and huge, every mode, both
 * layouts. Skipped when this JVM has no vector kernels (the scalar test run).
 */
class PanamaKernelsTest {

  /** Relative tolerance; the kernels are designed to agree exactly, this only guards the test. */
  private static final double TOLERANCE = 1e-5;

  private RoiKernels panama;

  @BeforeEach
  void needsPanama() {
    panama = RoiKernelsProvider.panamaOrNull();
    Assumptions.assumeTrue(panama != null, "vector kernels unavailable in this JVM");
  }

  static Stream<Arguments> shapes() {
    // C, H, W, PH, PW, spatial scale
    return Stream.of(
        Arguments.of(1, 5, 7, 2, 3, 1.0),
        Arguments.of(3, 9, 11, 7, 7, 0.5),
        Arguments.of(16, 1, 1, 1, 1, 1.0),
        Arguments.of(17, 13, 10, 7, 7, 0.25),
        Arguments.of(33, 6, 19, 3, 2, 1.0),
        Arguments.of(64, 12, 12, 5, 5, 0.125),
        Arguments.of(97, 8, 9, 4, 3, 0.5),
        Arguments.of(256, 25, 34, 7, 7, 0.0625),
        // 200 = prepared as a block of 128 channels (AVX-512) and a partial one of 72.
        Arguments.of(200, 7, 9, 3, 3, 0.5),
        // 384 = a 256-channel visit of the average's bins, then a 128-channel one (AVX-512).
        Arguments.of(384, 6, 7, 3, 3, 0.5));
  }

  @ParameterizedTest(name = "C={0} {1}x{2} pooled {3}x{4} scale={5}")
  @MethodSource("shapes")
  void alignMatchesScalar(int c, int h, int w, int ph, int pw, double scale) {
    Random r = new Random(1000L * c + 31L * h + w);
    FeatureMap chw = RoiAlignModesTest.randomMap(r, c, h, w);
    float[] boxes = boxes(r, h, w, scale, 60);
    for (PoolingMode mode : PoolingMode.values()) {
      for (int sr : new int[] {-1, 0, 1, 2, 3}) {
        for (boolean aligned : new boolean[] {false, true}) {
          RoiAlignParams p = new RoiAlignParams(ph, pw, scale, sr, aligned, mode);
          float[] want = run(RoiKernelsProvider.scalar(), chw, boxes, p);
          compareOnEveryArrangement(chw, want, c * ph * pw, p.toString(),
              (map, got) -> panama.roiAlign(map, boxes, 0, boxes.length / 4, p, got, 0));
        }
      }
    }
  }

  @ParameterizedTest(name = "C={0} {1}x{2} pooled {3}x{4} scale={5}")
  @MethodSource("shapes")
  void poolMatchesScalar(int c, int h, int w, int ph, int pw, double scale) {
    Random r = new Random(2000L * c + 17L * h + w);
    FeatureMap chw = RoiAlignModesTest.randomMap(r, c, h, w);
    float[] boxes = boxes(r, h, w, scale, 60);
    RoiPoolParams p = new RoiPoolParams(ph, pw, scale);
    float[] want = new float[boxes.length / 4 * c * ph * pw];
    RoiKernelsProvider.scalar().roiPool(chw, boxes, 0, boxes.length / 4, p, want, 0);
    compareOnEveryArrangement(chw, want, c * ph * pw, p.toString(),
        (map, got) -> panama.roiPool(map, boxes, 0, boxes.length / 4, p, got, 0));
  }

  @ParameterizedTest(name = "C={0} {1}x{2} pooled {3}x{4} scale={5}")
  @MethodSource("shapes")
  void rotatedAlignMatchesScalar(int c, int h, int w, int ph, int pw, double scale) {
    Random r = new Random(3000L * c + 13L * h + w);
    FeatureMap chw = RoiAlignModesTest.randomMap(r, c, h, w);
    float[] boxes = rotatedBoxes(r, h, w, scale, 60);
    int n = boxes.length / RotatedBoxCheck.FIELDS;
    for (int sr : new int[] {0, 1, 2, 3}) {
      RoiAlignParams p = RoiAlignRotated.params(ph, pw, scale, sr);
      float[] want = new float[n * c * ph * pw];
      RoiKernelsProvider.scalar().roiAlignRotated(chw, boxes, 0, n, p, want, 0);
      compareOnEveryArrangement(chw, want, c * ph * pw, "rotated " + p,
          (map, got) -> panama.roiAlignRotated(map, boxes, 0, n, p, got, 0));
    }
  }

  /** One vector-kernel call on a map, writing its rows into {@code out}. */
  private interface KernelCall {
    void run(FeatureMap map, float[] out);
  }

  /**
   * Runs {@code call} on every arrangement of {@code chw} and on what {@code RoiAlign.prepare} hands
   * the kernels (channel blocks when C exceeds one block), and compares each output with {@code want}.
   */
  private void compareOnEveryArrangement(FeatureMap chw, float[] want, int rowLength, String what,
      KernelCall call) {
    for (KernelVariants.Arrangement a : KernelVariants.Arrangement.values()) {
      float[] got = new float[want.length];
      call.run(a.apply(chw), got);
      compare(want, got, rowLength, what + " " + a);
    }
    float[] got = new float[want.length];
    call.run(RoiKernelsProvider.prepare(panama, chw, null), got);
    compare(want, got, rowLength, what + " prepared");
  }

  /** Rotated boxes (cx, cy, w, h, degrees): inside, across the border, off the map, tiny, huge. */
  private static float[] rotatedBoxes(Random r, int h, int w, double scale, int n) {
    float[] out = new float[RotatedBoxCheck.FIELDS * n];
    for (int i = 0; i < n; i++) {
      float cx = (float) ((r.nextDouble() * 1.4 - 0.2) * w / scale);
      float cy = (float) ((r.nextDouble() * 1.4 - 0.2) * h / scale);
      float bw = (float) (r.nextDouble() * w / scale);
      float bh = (float) (r.nextDouble() * h / scale);
      float angle = (float) (r.nextDouble() * 360 - 180);
      switch (i % 5) {
        case 0 -> { bw = (float) (0.3 / scale); bh = (float) (0.2 / scale); } // under one cell
        case 1 -> { bw = (float) (3 * w / scale); bh = (float) (2 * h / scale); } // covers the map
        case 2 -> angle = 90f * r.nextInt(4); // right angles
        default -> { }
      }
      float[] b = {cx, cy, bw, bh, angle};
      System.arraycopy(b, 0, out, RotatedBoxCheck.FIELDS * i, RotatedBoxCheck.FIELDS);
    }
    return out;
  }

  @ParameterizedTest(name = "{0} bins={1} width={2}")
  @org.junit.jupiter.params.provider.CsvSource({"Transpose16, 49, 64", "Transpose16, 196, 64",
      "Transpose16, 49, 16", "Transpose16, 16, 16", "Transpose16, 15, 64", "Transpose16, 1, 16",
      "Transpose16, 33, 32", "Transpose8, 49, 32", "Transpose8, 196, 32", "Transpose8, 49, 8",
      "Transpose8, 8, 8", "Transpose8, 7, 32", "Transpose8, 1, 8", "Transpose8, 33, 16"})
  void registerTransposeMovesEveryFloatLikeTheCopies(String kind, int bins, int width)
      throws Exception {
    // Called directly: which transpose the kernels use depends on the machine (PanamaTuning).
    java.lang.reflect.Method vector = Class.forName("org.roifeatures.ops." + kind)
        .getDeclaredMethod("transpose", float[].class, int.class, int.class, float[].class, int.class);
    java.lang.reflect.Method copies = Class.forName("org.roifeatures.ops.PanamaAlign")
        .getDeclaredMethod("scalarTranspose", float[].class, int.class, int.class, float[].class,
            int.class);
    vector.setAccessible(true);
    copies.setAccessible(true);
    Random r = new Random(bins * 31L + width);
    float[] block = new float[bins * width];
    for (int i = 0; i < block.length; i++) {
      block[i] = r.nextFloat();
    }
    int at = 7;
    float[] want = new float[at + bins * width + 5];
    float[] got = new float[want.length];
    java.util.Arrays.fill(want, -1f);
    java.util.Arrays.fill(got, -1f);
    copies.invoke(null, block, bins, width, want, at);
    vector.invoke(null, block, bins, width, got, at);
    org.junit.jupiter.api.Assertions.assertArrayEquals(want, got);
  }

  @Test
  void oneBoxOnABigChwMapAndManyBoxesAgree() {
    // A single box takes the scalar path for CHW maps, many boxes the channels-last copy: same bits.
    Random r = new Random(77);
    FeatureMap chw = RoiAlignModesTest.randomMap(r, 48, 40, 40);
    float[] boxes = boxes(r, 40, 40, 1.0, 400);
    RoiAlignParams p = RoiAlignParams.of(7, 7, 1.0, 2, true);
    float[] all = run(panama, chw, boxes, p);
    int row = 48 * 49;
    for (int b = 0; b < 400; b += 37) {
      float[] one = new float[row];
      panama.roiAlign(chw, boxes, 4 * b, 1, p, one, 0);
      for (int i = 0; i < row; i++) {
        assertEquals(all[b * row + i], one[i], "box " + b + " element " + i);
      }
    }
  }

  @ParameterizedTest(name = "C={0}")
  @org.junit.jupiter.params.provider.ValueSource(ints = {35, 256})
  void offsetMapsAndOutputRowsAreRespected(int channels) {
    // 256 channels: the kernels copy the map into channel blocks; 35: they read it in place.
    Random r = new Random(5);
    FeatureMap inner = RoiAlignModesTest.randomMap(r, channels, 9, 8).toLayout(FeatureMap.Layout.HWC);
    float[] padded = new float[inner.data().length + 11];
    System.arraycopy(inner.data(), 0, padded, 11, inner.data().length);
    FeatureMap hwc = FeatureMap.hwc(padded, 11, channels, 9, 8);
    // 20 boxes of 6 bins: enough work for the copy to pay (PanamaTuning.CHW_COPY_MIN_WORK_PER_PIXEL).
    int n = 20;
    float[] boxes = boxes(r, 9, 8, 1.0, n);
    RoiAlignParams p = RoiAlignParams.of(2, 3, 1.0, 2, false);
    float[] want = run(RoiKernelsProvider.scalar(), inner, boxes, p);
    float[] got = new float[want.length + 7];
    got[0] = 42f;
    got[got.length - 1] = 43f;
    panama.roiAlign(hwc, boxes, 0, n, p, got, 3);
    assertEquals(42f, got[0]);
    assertEquals(43f, got[got.length - 1]);
    for (int i = 0; i < want.length; i++) {
      assertEquals(want[i], got[3 + i], "element " + i);
    }
    RoiPoolParams pp = new RoiPoolParams(2, 3, 1.0);
    float[] wantPool = new float[want.length];
    RoiKernelsProvider.scalar().roiPool(inner, boxes, 0, n, pp, wantPool, 0);
    float[] gotPool = new float[want.length + 3];
    panama.roiPool(hwc, boxes, 0, n, pp, gotPool, 3);
    for (int i = 0; i < want.length; i++) {
      assertEquals(wantPool[i], gotPool[3 + i], "pool element " + i);
    }
  }

  private static float[] run(RoiKernels k, FeatureMap map, float[] boxes, RoiAlignParams p) {
    float[] out = new float[boxes.length / 4 * map.channels() * p.pooledHeight() * p.pooledWidth()];
    k.roiAlign(map, boxes, 0, boxes.length / 4, p, out, 0);
    return out;
  }

  /** Random boxes of every kind, in image coordinates for a map of h×w cells at {@code scale}. */
  static float[] boxes(Random r, int h, int w, double scale, int n) {
    float[] out = new float[4 * n];
    for (int i = 0; i < n; i++) {
      float[] b;
      switch (i % 6) {
        case 0 -> b = new float[] {-1e6f, -1e6f, 1e6f, 1e6f}; // huge, covers the map
        case 1 -> {
          // tiny: under one cell
          float x = (float) (r.nextDouble() * w / scale);
          float y = (float) (r.nextDouble() * h / scale);
          b = new float[] {x, y, x + (float) (0.3 / scale), y + (float) (0.2 / scale)};
        }
        case 2 -> b = new float[] {(float) (2 * w / scale), 0, (float) (3 * w / scale),
            (float) (h / scale)}; // fully outside
        default -> b = RoiAlignModesTest.randomBox(r, h, w, scale); // inside, partly out, inverted
      }
      System.arraycopy(b, 0, out, 4 * i, 4);
    }
    return out;
  }

  private static void compare(float[] want, float[] got, int rowLength, String what) {
    assertEquals(want.length, got.length, what);
    for (int i = 0; i < want.length; i++) {
      double e = want[i];
      double a = got[i];
      boolean bothNaN = Double.isNaN(e) && Double.isNaN(a);
      if (!bothNaN && !(Math.abs(a - e) <= TOLERANCE * Math.max(1, Math.abs(e)))) {
        fail(what + ": row " + i / rowLength + " element " + i % rowLength + " expected " + e
            + " got " + a);
      }
    }
  }
}
