package org.roifeatures.spark.conf;

import org.roifeatures.spark.cli.RoiFeaturesCli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The options are defined once ({@link JobOptions}): {@code --help}, the README's options table and
 * {@code conf/roi-features.properties} must say what the definitions say, and every value is
 * validated when the configuration is resolved.
 */
class OptionsDocTest {

  private static Path root() {
    return Path.of(System.getProperty("roifeatures.projectRoot", "..")).toAbsolutePath().normalize();
  }

  @Test
  void readmeTableIsGeneratedFromTheDefinitions() throws Exception {
    String readme = Files.readString(root().resolve("README.md"));
    int begin = readme.indexOf(OptionsDoc.TABLE_BEGIN);
    int end = readme.indexOf(OptionsDoc.TABLE_END);
    assertTrue(begin >= 0 && end > begin, "README.md has the options table markers");
    String table = readme.substring(begin + OptionsDoc.TABLE_BEGIN.length(), end).strip() + "\n";
    assertEquals(OptionsDoc.markdownTable(), table,
        "README options table drifted; regenerate it with OptionsDoc table");
  }

  @Test
  void propertiesFileIsGeneratedFromTheDefinitions() throws Exception {
    assertEquals(OptionsDoc.propertiesFile(),
        Files.readString(root().resolve("conf/roi-features.properties")),
        "conf/roi-features.properties drifted; regenerate it with OptionsDoc");
    // And it loads as a valid configuration (with the required paths given).
    Map<String, String> file = JobConfig.readFile(root().resolve("conf/roi-features.properties"));
    JobConfig.resolve(Map.of(JobOptions.MAPS_PATH, "m", JobOptions.PROPOSALS_PATH, "p",
        JobOptions.OUTPUT_PATH, "o"), file, Map.of());
  }

  @Test
  void helpListsEveryUserOptionAndNoInternalOne() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    assertEquals(0, RoiFeaturesCli.run(new String[] {"--help"}, new PrintStream(out, true),
        new PrintStream(new ByteArrayOutputStream(), true)));
    String help = out.toString();
    for (JobOptions.Option o : JobOptions.ALL) {
      assertEquals(!o.internal(), help.contains("--" + o.key() + " "), o.key());
    }
    assertTrue(help.contains("roi_align_rotated"), "every op listed");
  }

  @Test
  void everyDefaultIsValidAndBadValuesAreRefusedNamingTheOption() {
    for (JobOptions.Option o : JobOptions.ALL) {
      if (o.defaultValue() != null) {
        assertNull(o.problem(o.defaultValue()), o.key());
      }
    }
    String[][] bad = {
        {JobOptions.POOLED_HEIGHT, "65536"}, {JobOptions.POOLED_WIDTH, "0"},
        {JobOptions.BATCH_ROIS, "100000000"}, {JobOptions.PARTITIONS, "-1"},
        {JobOptions.FAIL_ON_REJECTS, "yes"}, {JobOptions.OP, "roi_allign"},
        {JobOptions.MAPS_MAX_BYTES, "lots"}, {JobOptions.SAVE_MODE, "append-ish"},
        {JobOptions.CANONICAL_SCALE, "-3"}, {JobOptions.SAMPLING_RATIO, "two"}};
    for (String[] kv : bad) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> JobConfig.of(Map.of(JobOptions.MAPS_PATH, "m", JobOptions.PROPOSALS_PATH, "p",
              JobOptions.OUTPUT_PATH, "o", kv[0], kv[1])), kv[0]);
      assertTrue(e.getMessage().startsWith("option " + kv[0] + " "), e.getMessage());
      assertTrue(e.getMessage().contains(kv[1]), e.getMessage());
      assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }
  }

  @Test
  void aBadOptionOnTheCommandLineIsExitCode2BeforeSparkStarts() throws Exception {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = RoiFeaturesCli.run(new String[] {"run", "--maps.path", "m", "--proposals.path", "p",
        "--output.path", "o", "--pooled.height", "65536"}, new PrintStream(new ByteArrayOutputStream(),
        true), new PrintStream(err, true));
    assertEquals(2, code);
    assertEquals("roi-features run: option pooled.height must be in 1..4096, got 65536",
        err.toString().strip());
  }

  @Test
  void byteSizes() {
    assertEquals(1L << 30, ByteSize.parse("1g"));
    assertEquals(512L << 20, ByteSize.parse("512m"));
    assertEquals(4096, ByteSize.parse("4k"));
    assertEquals(123, ByteSize.parse("123"));
    for (String bad : new String[] {"", "0", "-1", "1.5g", "g", "10t", "abc", "2mb", "9000000000g"}) {
      assertThrows(IllegalArgumentException.class, () -> ByteSize.parse(bad), bad);
    }
  }
}
