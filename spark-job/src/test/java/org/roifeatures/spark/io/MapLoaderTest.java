package org.roifeatures.spark.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.apache.arrow.vector.ipc.message.ArrowBlock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.roifeatures.spark.RejectReason;

/**
 * The loader's size checks without Spark: a map file that claims more than it holds, or more than
 * the limit, is refused before its data is allocated, naming the file (and the limit).
 */
class MapLoaderTest {

  @TempDir
  Path dir;

  /** A 4 KB .npy whose header claims 16 x 10000 x 12000 float32: 7.68 GB, far beyond the heap. */
  private Path hostileNpy() throws IOException {
    String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (16, 10000, 12000), }";
    int pad = (64 - (10 + dict.length() + 1) % 64) % 64;
    byte[] text = (dict + " ".repeat(pad) + "\n").getBytes(StandardCharsets.US_ASCII);
    byte[] file = new byte[4096];
    new Random(3).nextBytes(file);
    byte[] head = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (byte) (text.length & 0xff),
        (byte) (text.length >> 8)};
    System.arraycopy(head, 0, file, 0, head.length);
    System.arraycopy(text, 0, file, head.length, text.length);
    Path p = dir.resolve("hostile.npy");
    Files.write(p, file);
    return p;
  }

  private static MapEntry npyEntry(Path p, int c, int h, int w) {
    return new MapEntry("", "npy", p.toUri().toString(), -1, -1, c, h, w, 0.25, null);
  }

  @Test
  void aNpyClaimingMoreThanItsFileHoldsIsRefusedEvenUnderAHighLimit() throws Exception {
    Path p = hostileNpy();
    try (MapLoader loader = new MapLoader(Long.MAX_VALUE, true)) {
      MapLoadException e = assertThrows(MapLoadException.class,
          () -> loader.load(npyEntry(p, 16, 10000, 12000)));
      assertEquals(RejectReason.MAP_UNREADABLE, e.reason());
      assertTrue(e.getMessage().contains("hostile.npy") && e.getMessage().contains("truncated")
          && e.getMessage().contains(String.valueOf(4096 - 128)), e.getMessage());
    }
  }

  @Test
  void aMapClaimingMoreThanTheLimitIsRefusedNamingIt() throws Exception {
    Path p = hostileNpy();
    try (MapLoader loader = new MapLoader(1L << 30, true)) {
      MapLoadException e = assertThrows(MapLoadException.class,
          () -> loader.load(npyEntry(p, 16, 10000, 12000)));
      assertEquals(RejectReason.MAP_UNREADABLE, e.reason());
      assertTrue(e.getMessage().contains("hostile.npy")
          && e.getMessage().contains("maps.max.bytes = " + (1L << 30)), e.getMessage());
    }
  }

  @Test
  void aMapWithinTheLimitAndItsFileLoads() throws Exception {
    float[] data = new float[2 * 3 * 4];
    for (int i = 0; i < data.length; i++) {
      data[i] = i * 0.5f;
    }
    Path p = dir.resolve("ok.npy");
    try (OutputStream os = Files.newOutputStream(p)) {
      NpyArrays.write(os, new long[] {2, 3, 4}, data);
    }
    try (MapLoader loader = new MapLoader(data.length * 4L, true)) {
      assertArrayEquals(data, loader.load(npyEntry(p, 2, 3, 4)).data());
    }
    try (MapLoader loader = new MapLoader(data.length * 4L - 1, true)) {
      assertThrows(MapLoadException.class, () -> loader.load(npyEntry(p, 2, 3, 4)));
    }
  }

  @Test
  void aFloat16NpyIsCheckedAgainstItsTwoByteValues() throws Exception {
    float[] data = new float[2 * 3 * 4];
    for (int i = 0; i < data.length; i++) {
      data[i] = i * 0.25f - 2;
    }
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    NpyArrays.write(bytes, new long[] {1, 2, 3, 4}, data, true);
    byte[] whole = bytes.toByteArray();
    Path ok = dir.resolve("half.npy");
    Files.write(ok, whole);
    Path cut = dir.resolve("half_cut.npy");
    Files.write(cut, java.util.Arrays.copyOf(whole, whole.length - 2));
    Path longer = dir.resolve("half_long.npy");
    Files.write(longer, java.util.Arrays.copyOf(whole, whole.length + 2));
    // The limit is on the float32 the loader allocates, not on the file's 2-byte values.
    try (MapLoader loader = new MapLoader(data.length * 4L, true)) {
      assertArrayEquals(data, loader.load(npyEntry(ok, 2, 3, 4)).data());
      MapLoadException e = assertThrows(MapLoadException.class,
          () -> loader.load(npyEntry(cut, 2, 3, 4)));
      assertEquals(RejectReason.MAP_UNREADABLE, e.reason());
      assertTrue(e.getMessage().contains("truncated") && e.getMessage().contains("48"),
          e.getMessage());
      e = assertThrows(MapLoadException.class, () -> loader.load(npyEntry(longer, 2, 3, 4)));
      assertEquals(RejectReason.MAP_LENGTH_MISMATCH, e.reason());
    }
  }

  @Test
  void anArrowBatchReachingPastTheFileIsRefusedBeforeLoading() throws Exception {
    ArrowMapFiles.checkBlock(new ArrowBlock(8, 200, 800), 0, 1008, "f.arrow");
    IOException e = assertThrows(IOException.class,
        () -> ArrowMapFiles.checkBlock(new ArrowBlock(1000, 200, 1L << 40), 3, 5000, "f.arrow"));
    assertTrue(e.getMessage().contains("record batch 3 of f.arrow"), e.getMessage());
  }
}
