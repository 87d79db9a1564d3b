package org.roifeatures.spark.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.TreeSet;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.roifeatures.spark.SparkTestBase;

/** The .npy index names images and levels from the paths, whether maps.path is absolute or relative. */
class MapIndexTest extends SparkTestBase {

  private static Path dir;

  @BeforeAll
  static void maps() throws Exception {
    dir = tempDir("index");
    for (String image : List.of("a", "b")) {
      for (String level : List.of("p3", "p4")) {
        Path f = dir.resolve("npy").resolve(image).resolve(level + ".npy");
        Files.createDirectories(f.getParent());
        try (OutputStream os = Files.newOutputStream(f)) {
          NpyArrays.write(os, new long[] {2, 3, 4}, new float[24]);
        }
      }
    }
  }

  @AfterAll
  static void cleanup() throws Exception {
    deleteTree(dir);
  }

  @Test
  void relativeAndAbsoluteNpyPathsGiveTheSameImagesAndLevels() {
    Path absolute = dir.resolve("npy").toAbsolutePath();
    Path relative = Path.of("").toAbsolutePath().relativize(absolute);
    assertEquals(new TreeSet<>(List.of("a/p3", "a/p4", "b/p3", "b/p4")), names(absolute.toString()));
    assertEquals(names(absolute.toString()), names(relative.toString()));
  }

  private static TreeSet<String> names(String path) {
    TreeSet<String> out = new TreeSet<>();
    for (Row r : MapIndex.build(spark, path, "npy").collectAsList()) {
      MapEntry e = MapEntry.fromRow(r.getStruct(1));
      assertNull(e.problem(), e.location());
      out.add(r.getString(0) + "/" + e.level());
    }
    return out;
  }
}
