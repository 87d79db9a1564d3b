package org.roifeatures.spark.conf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** Byte sizes such as {@code maps.max.bytes}: plain counts and k/m/g suffixes, bad values named. */
class JobConfigBytesTest {

  @Test
  void countsAndBinarySuffixes() {
    assertEquals(1, JobConfig.parseBytes("k", "1"));
    assertEquals(4096, JobConfig.parseBytes("k", "4096"));
    assertEquals(1024, JobConfig.parseBytes("k", "1k"));
    assertEquals(8 * 1024, JobConfig.parseBytes("k", "8K"));
    assertEquals(512L << 20, JobConfig.parseBytes("k", "512m"));
    assertEquals(3L << 30, JobConfig.parseBytes("k", " 3g "));
  }

  @Test
  void theDefaultLimitIsOneGibibyte() {
    assertEquals(1L << 30, JobConfig.of(Map.of("maps.path", "m", "proposals.path", "p",
        "output.path", "o")).getBytes(JobOptions.MAPS_MAX_BYTES));
  }

  @Test
  void badValuesNameTheKeyAndTheValue() {
    for (String bad : new String[] {"abc", "-1", "0", "0k", "", "k", "1.5g", "1t", "1 k",
        "99999999999999999999", "9000000000g"}) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> JobConfig.parseBytes(JobOptions.MAPS_MAX_BYTES, bad), bad);
      assertTrue(e.getMessage().contains(JobOptions.MAPS_MAX_BYTES)
          && e.getMessage().contains("'" + bad + "'"), e.getMessage());
    }
  }
}
