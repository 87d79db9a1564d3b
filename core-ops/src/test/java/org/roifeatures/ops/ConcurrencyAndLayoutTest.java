package org.roifeatures.ops;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertNotSame;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** Operators share no mutable state, and the layout of the map does not change results. */
class ConcurrencyAndLayoutTest {

  @Test
  void manyThreadsGiveTheSingleThreadResult() throws Exception {
    Random r = new Random(5);
    FeatureMap map = RoiAlignModesTest.randomMap(r, 16, 40, 50);
    int n = 300;
    float[] boxes = new float[4 * n];
    for (int i = 0; i < n; i++) {
      System.arraycopy(RoiAlignModesTest.randomBox(r, 40, 50, 0.25), 0, boxes, 4 * i, 4);
    }
    RoiAlignParams align = RoiAlignParams.of(7, 7, 0.25, 0, true);
    RoiPoolParams pool = new RoiPoolParams(7, 7, 0.25);
    float[] wantAlign = RoiAlign.forward(map, boxes, align);
    float[] wantMax = RoiAlign.forward(map, boxes, align.withMode(PoolingMode.MAX));
    float[] wantPool = RoiPool.forward(map, boxes, pool);
    ExecutorService pool4 = Executors.newFixedThreadPool(4);
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        futures.add(pool4.submit(() -> {
          for (int rep = 0; rep < 5; rep++) {
            assertArrayEquals(wantAlign, RoiAlign.forward(map, boxes, align));
            assertArrayEquals(wantMax, RoiAlign.forward(map, boxes, align.withMode(PoolingMode.MAX)));
            assertArrayEquals(wantPool, RoiPool.forward(map, boxes, pool));
          }
          return null;
        }));
      }
      for (Future<?> f : futures) {
        f.get();
      }
    } finally {
      pool4.shutdownNow();
    }
  }

  @Test
  void channelsLastGivesTheSameBits() {
    Random r = new Random(9);
    FeatureMap chw = RoiAlignModesTest.randomMap(r, 8, 21, 17);
    FeatureMap hwc = chw.toLayout(FeatureMap.Layout.HWC);
    assertArrayEquals(chw.data(), hwc.toLayout(FeatureMap.Layout.CHW).data());
    assertEveryOpAgrees(chw, hwc, randomBoxes(r, 50, 21, 17), "HWC");
  }

  @Test
  void channelBlocksHoldTheSameValuesAndGiveTheSameBits() {
    Random r = new Random(29);
    // {C, block}: partial last blocks (8/3, 200/128, 40/16), whole ones (256/128), one block (4/9).
    int[][] shapes = {{8, 3}, {200, 128}, {256, 128}, {40, 16}, {4, 9}};
    for (int[] shape : shapes) {
      int channels = shape[0];
      int block = shape[1];
      String what = "C=" + channels + " block=" + block;
      FeatureMap chw = RoiAlignModesTest.randomMap(r, channels, 7, 6);
      FeatureMap blocked = chw.toChannelBlocks(block);
      assertEquals(FeatureMap.Layout.HWC, blocked.layout(), what);
      assertEquals(Math.min(block, channels), blocked.channelBlock(), what);
      for (int c = 0; c < channels; c++) {
        for (int y = 0; y < 7; y++) {
          for (int x = 0; x < 6; x++) {
            assertEquals(chw.get(c, y, x), blocked.get(c, y, x), what + " c=" + c);
          }
        }
      }
      assertArrayEquals(chw.data(), blocked.toLayout(FeatureMap.Layout.CHW).data(), what);
      assertArrayEquals(chw.toLayout(FeatureMap.Layout.HWC).data(),
          blocked.toLayout(FeatureMap.Layout.HWC).data(), what + " unblocked");
      assertSame(blocked, blocked.toChannelBlocks(block), what + " blocking twice copies nothing");
      // From channels-last, padded channels-last and other blocks: the same array.
      assertArrayEquals(blocked.data(), chw.toLayout(FeatureMap.Layout.HWC).toChannelBlocks(block).data(), what);
      assertArrayEquals(blocked.data(), chw.toHwc(channels + 5).toChannelBlocks(block).data(), what);
      assertArrayEquals(blocked.data(), chw.toChannelBlocks(7).toChannelBlocks(block).data(), what);
      // Into a dirty recycled array: the last block's unused channels are zeroed as in a new one.
      float[] old = new float[blocked.data().length + 9];
      Arrays.fill(old, Float.NaN);
      FeatureMap recycled = chw.toChannelBlocks(block, old);
      assertSame(old, recycled.data(), what);
      assertArrayEquals(blocked.data(), Arrays.copyOf(old, blocked.data().length), what);
      assertEveryOpAgrees(chw, blocked, randomBoxes(r, 30, 7, 6), what);
    }
  }

  @Test
  void blockedMapsAreValidated() {
    IllegalArgumentException shortData = assertThrows(IllegalArgumentException.class,
        () -> FeatureMap.hwcBlocked(new float[2 * 3 * 4 * 2 - 1], 0, 5, 2, 3, 4));
    assertTrue(shortData.getMessage().contains("blocks of 4 channels")
        && shortData.getMessage().contains("needs 48"), shortData.getMessage());
    IllegalArgumentException zero = assertThrows(IllegalArgumentException.class,
        () -> FeatureMap.chw(new float[6], 1, 2, 3).toChannelBlocks(0));
    assertTrue(zero.getMessage().contains("channel block"), zero.getMessage());
    assertEquals(4, FeatureMap.hwcBlocked(new float[48], 0, 5, 2, 3, 4).pixelStride());
    assertEquals("FeatureMap[HWC C=5 H=2 W=3 channelBlock=4]",
        FeatureMap.hwcBlocked(new float[48], 0, 5, 2, 3, 4).toString());
  }

  private static float[] randomBoxes(Random r, int n, int h, int w) {
    float[] boxes = new float[4 * n];
    for (int i = 0; i < n; i++) {
      System.arraycopy(RoiAlignModesTest.randomBox(r, h, w, 1), 0, boxes, 4 * i, 4);
    }
    return boxes;
  }

  /** Every operator (RoI Align in each mode, RoI Pool, PS variants) gives the same bits on both maps. */
  private static void assertEveryOpAgrees(FeatureMap want, FeatureMap got, float[] boxes, String what) {
    for (PoolingMode mode : PoolingMode.values()) {
      RoiAlignParams p = new RoiAlignParams(3, 4, 1, 2, false, mode);
      assertArrayEquals(RoiAlign.forward(want, boxes, p), RoiAlign.forward(got, boxes, p),
          what + " " + mode);
    }
    RoiPoolParams pp = new RoiPoolParams(2, 2, 1);
    assertArrayEquals(RoiPool.forward(want, boxes, pp), RoiPool.forward(got, boxes, pp), what);
    assertArrayEquals(PsRoiPool.forward(want, boxes, pp), PsRoiPool.forward(got, boxes, pp), what);
    RoiAlignParams ps = RoiAlignParams.of(2, 2, 1, 2, true);
    assertArrayEquals(PsRoiAlign.forward(want, boxes, ps), PsRoiAlign.forward(got, boxes, ps), what);
  }

  @Test
  void paddedChannelsLastAndPreparedMapsGiveTheSameBits() {
    Random r = new Random(19);
    for (int channels : new int[] {8, 256}) {
      FeatureMap chw = RoiAlignModesTest.randomMap(r, channels, 13, 11);
      FeatureMap padded = chw.toHwc(channels + 5);
      assertEquals(channels + 5, padded.pixelStride());
      assertEquals(chw.get(channels - 1, 12, 10), padded.get(channels - 1, 12, 10));
      assertArrayEquals(chw.data(), padded.toLayout(FeatureMap.Layout.CHW).data());
      assertArrayEquals(chw.toLayout(FeatureMap.Layout.HWC).data(),
          padded.toHwc(channels).data(), "unpadding a padded map");
      FeatureMap prepared = RoiAlign.prepare(chw);
      assertEquals(RoiAlign.preferredLayout(), prepared.layout());
      assertSame(prepared, RoiAlign.prepare(prepared), "preparing twice copies nothing");
      float[] boxes = randomBoxes(r, 40, 13, 11);
      assertEveryOpAgrees(chw, padded, boxes, "padded C=" + channels);
      assertEveryOpAgrees(chw, prepared, boxes, "prepared C=" + channels);
    }
  }

  @Test
  void preparingIntoARecycledArrayGivesTheSameMapAndResults() {
    Random r = new Random(23);
    for (int channels : new int[] {8, 256}) {
      FeatureMap chw = RoiAlignModesTest.randomMap(r, channels, 13, 11);
      FeatureMap fresh = RoiAlign.prepare(chw);
      // A dirty array, longer than needed, as the previous image's map would leave it.
      float[] old = new float[fresh.data().length + 100];
      Arrays.fill(old, Float.NaN);
      FeatureMap recycled = RoiAlign.prepare(chw, old);
      if (RoiAlign.preferredLayout() == FeatureMap.Layout.HWC) {
        assertSame(old, recycled.data(), "the recycled array is used");
        assertEquals(fresh.pixelStride(), recycled.pixelStride());
        for (int p = 0; p < 13 * 11; p++) {
          for (int k = channels; k < fresh.pixelStride(); k++) {
            assertEquals(0f, old[p * fresh.pixelStride() + k], "padding is zeroed");
          }
        }
      }
      float[] boxes = randomBoxes(r, 40, 13, 11);
      RoiAlignParams p = RoiAlignParams.of(7, 7, 1.0, 2, true);
      assertArrayEquals(RoiAlign.forward(fresh, boxes, p), RoiAlign.forward(recycled, boxes, p));
      assertArrayEquals(RoiPool.forward(fresh, boxes, new RoiPoolParams(7, 7, 1.0)),
          RoiPool.forward(recycled, boxes, new RoiPoolParams(7, 7, 1.0)));
      // Too short an array is not used; the map's own array never is.
      float[] tiny = new float[3];
      assertNotSame(tiny, RoiAlign.prepare(chw, tiny).data());
      FeatureMap hwc = chw.toLayout(FeatureMap.Layout.HWC);
      assertArrayEquals(hwc.toHwc(channels + 16).data(), hwc.toHwc(channels + 16, hwc.data()).data());
    }
  }

  @Test
  void paddedMapsAreValidated() {
    float[] data = new float[2 * 3 * 4 + 10];
    IllegalArgumentException narrow = assertThrows(IllegalArgumentException.class,
        () -> FeatureMap.hwc(data, 0, 4, 2, 3, 3));
    assertTrue(narrow.getMessage().contains("pixel stride 3"), narrow.getMessage());
    IllegalArgumentException shortData = assertThrows(IllegalArgumentException.class,
        () -> FeatureMap.hwc(data, 0, 4, 2, 3, 8));
    assertTrue(shortData.getMessage().contains("needs 44"), shortData.getMessage());
    // The last pixel needs no padding after it.
    assertEquals(8, FeatureMap.hwc(new float[44], 0, 4, 2, 3, 8).pixelStride());
  }

  @Test
  void writesOnlyItsOwnRowsOfALargerBuffer() {
    Random r = new Random(2);
    FeatureMap map = RoiAlignModesTest.randomMap(r, 2, 8, 8);
    float[] boxes = {1, 1, 5, 6, 0, 0, 8, 8};
    RoiAlignParams p = RoiAlignParams.of(2, 2, 1, 2, false);
    float[] out = new float[3 + 16 + 5];
    java.util.Arrays.fill(out, 42f);
    RoiAlign.forward(map, boxes, 0, 2, p, out, 3);
    float[] direct = RoiAlign.forward(map, boxes, p);
    assertArrayEquals(direct, java.util.Arrays.copyOfRange(out, 3, 19));
    for (int i : new int[] {0, 1, 2, 19, 20, 21, 22, 23}) {
      org.junit.jupiter.api.Assertions.assertEquals(42f, out[i]);
    }
  }
}
