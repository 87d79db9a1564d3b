package org.roifeatures.spark.output;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;

/**
 * A file system's root is never an output or rejects path, in any mode: local roots however spelt,
 * and roots of remote stores, refused from the path alone (no S3 or HDFS client is on the test
 * class path: reaching the store would fail with another message).
 */
class OutputRootTest {

  private static final String[] MODES = {"error", "overwrite", "append"};
  private final Configuration conf = new Configuration();

  private void assertRefusedAsRoot(String output, String rejects, String key) {
    for (String mode : MODES) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> OutputPaths.check(conf, output, rejects, Map.of(), mode), output + " " + mode);
      assertTrue(e.getMessage().startsWith(key + " ")
          && e.getMessage().contains("root of its file system"), e.getMessage());
      assertFalse(e.getMessage().contains("\n"), "one line");
    }
  }

  @Test
  void localRootsAreRefused() {
    for (String root : new String[] {"/", "//", "file:/", "file:///", "/tmp/..", " / "}) {
      assertRefusedAsRoot(root, "", "output.path");
    }
  }

  @Test
  void remoteRootsAreRefusedWithoutReachingTheStore() {
    for (String root : new String[] {"s3a://bucket", "s3a://bucket/", "hdfs://nn/", "hdfs://nn:8020",
        "gs://bucket", "abfss://container@account.dfs.core.windows.net/"}) {
      assertRefusedAsRoot(root, "", "output.path");
    }
  }

  @Test
  void aRootRejectsPathIsRefused() throws Exception {
    Path dir = Files.createTempDirectory("output-root");
    try {
      String out = dir.resolve("out").toString();
      assertRefusedAsRoot(out, "/", "output.rejects.path");
      assertRefusedAsRoot(out, "s3a://bucket/", "output.rejects.path");
      // Below the root is an output like any other.
      OutputPaths.Resolved r = OutputPaths.check(conf, out, "", Map.of(), "error");
      assertEquals(out + "_rejects", r.rejects());
    } finally {
      Files.deleteIfExists(dir);
    }
  }
}
