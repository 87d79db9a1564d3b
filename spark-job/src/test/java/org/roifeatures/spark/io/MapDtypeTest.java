package org.roifeatures.spark.io;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;
import org.roifeatures.ops.HalfPrecision;

/** The float16 lookup widens every bit pattern exactly as core-ops' conversion does. */
class MapDtypeTest {

  @Test
  void everyFloat16BitPatternWidensAsCoreOpsDoes() {
    for (int bits = 0; bits < 1 << 16; bits++) {
      assertEquals(Float.floatToRawIntBits(HalfPrecision.fromFloat16((short) bits)),
          Float.floatToRawIntBits(MapDtype.widenFloat16((short) bits)), "bits " + bits);
    }
  }

  @Test
  void aFloat16BlobDecodesValueByValue() {
    ByteBuffer b = ByteBuffer.allocate(2 * 1000).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < 1000; i++) {
      b.putShort((short) (i * 65));
    }
    b.flip();
    float[] out = MapDtype.decode(b, MapDtype.FLOAT16, null);
    for (int i = 0; i < 1000; i++) {
      assertEquals(Float.floatToRawIntBits(HalfPrecision.fromFloat16((short) (i * 65))),
          Float.floatToRawIntBits(out[i]), "value " + i);
    }
  }
}
