package org.roifeatures.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The .npy reader on files built byte by byte as NumPy writes them. */
class NpyTest {

  static byte[] npy(String header, float... values) {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    b.writeBytes(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0});
    // NumPy pads the header with spaces and a newline to a multiple of 64 bytes.
    StringBuilder h = new StringBuilder(header);
    while ((10 + h.length() + 1) % 64 != 0) {
      h.append(' ');
    }
    h.append('\n');
    b.write(h.length() & 0xff);
    b.write(h.length() >> 8);
    b.writeBytes(h.toString().getBytes(StandardCharsets.ISO_8859_1));
    ByteBuffer data = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
    for (float v : values) {
      data.putFloat(v);
    }
    b.writeBytes(data.array());
    return b.toByteArray();
  }

  @Test
  void readsShapeAndValues() {
    byte[] f = npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }",
        1, 2, 3, -4.5f, 5, Float.MIN_VALUE);
    Npy.Array a = Npy.parse(f, "t.npy");
    assertArrayEquals(new int[] {2, 3}, a.shape());
    assertArrayEquals(new float[] {1, 2, 3, -4.5f, 5, Float.MIN_VALUE}, a.data());
  }

  @Test
  void readsOneDimensionalShape() {
    Npy.Array a = Npy.parse(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", 7, 8),
        "t.npy");
    assertArrayEquals(new int[] {2}, a.shape());
  }

  @Test
  void rejectsOtherDtypesOrderAndTruncation() {
    assertThrows(IllegalArgumentException.class, () -> Npy.parse(
        npy("{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }", 1, 2), "t"));
    assertThrows(IllegalArgumentException.class, () -> Npy.parse(
        npy("{'descr': '<f4', 'fortran_order': True, 'shape': (1, 1), }", 1), "t"));
    assertThrows(IllegalArgumentException.class, () -> Npy.parse(
        npy("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", 1, 2), "t"));
    assertThrows(IllegalArgumentException.class, () -> Npy.parse(new byte[] {1, 2, 3}, "t"));
  }
}
