package org.roifeatures.spark.cli;

import org.roifeatures.spark.CliRun;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * Command-line parsing: an option without its value is an error naming the option, never a silent
 * swallow of the next option; negative numbers are values; {@code --levels} of generate-sample and
 * demo is the sample's level count. No Spark session: parsing errors end the run before one starts.
 */
class CliArgsTest {

  private static CliRun cli(String... args) throws Exception {
    return CliRun.of(() -> { }, args);
  }

  @Test
  void optionFollowedByAnotherOptionHasNoValue() throws Exception {
    cli("run", "--op", "--pooled.height", "7").assertUserError("option --op needs a value");
    cli("run", "--maps.path", "m", "--proposals.path", "--output.path", "o")
        .assertUserError("option --proposals.path needs a value");
    cli("generate-sample", "--levels", "--images", "2").assertUserError("option --levels needs a value");
    cli("run", "--set", "--op=roi_pool").assertUserError("option --set needs a value");
    cli("run", "--op").assertUserError("option --op needs a value");
  }

  @Test
  void negativeNumbersAreValues() {
    RoiFeaturesCli.Args a = RoiFeaturesCli.Args.parse("run", new String[] {"run",
        "--canonical.level", "-1", "--sampling.ratio", "-2", "--op", "roi_pool"}, 1);
    assertEquals("-1", a.options.get("canonical.level"));
    assertEquals("-2", a.options.get("sampling.ratio"));
    assertEquals("roi_pool", a.options.get("op"));
  }

  @Test
  void explicitEqualsFormTakesAnyValue() {
    RoiFeaturesCli.Args a = RoiFeaturesCli.Args.parse("run", new String[] {"run",
        "--op=roi_pool", "--level=--odd", "--pooled.height", "7"}, 1);
    assertEquals("roi_pool", a.options.get("op"));
    assertEquals("--odd", a.options.get("level"));
    assertEquals("7", a.options.get("pooled.height"));
  }

  @Test
  void levelsIsTheSampleLevelCountForGenerateSampleAndDemo() {
    for (String command : new String[] {"generate-sample", "demo"}) {
      RoiFeaturesCli.Args a = RoiFeaturesCli.Args.parse(command, new String[] {command,
          "--levels", "5", "--images", "2"}, 1);
      assertEquals("5", a.sample.get("levels"), command);
      assertTrue(!a.options.containsKey("levels"), command + ": " + a.options);
      // The run option stays reachable through --set.
      a = RoiFeaturesCli.Args.parse(command, new String[] {command, "--set", "levels=p3,p4"}, 1);
      assertEquals("p3,p4", a.options.get("levels"));
    }
    RoiFeaturesCli.Args run = RoiFeaturesCli.Args.parse("run", new String[] {"run", "--levels",
        "p3,p4"}, 1);
    assertEquals("p3,p4", run.options.get("levels"));
  }

  @Test
  void badSampleNumbersNameTheOption() throws Exception {
    // Rejected before any data is written (and before a Spark session would matter).
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> RoiFeaturesCli.Args.parse("generate-sample", new String[] {"generate-sample",
            "--levels"}, 1));
    assertTrue(e.getMessage().contains("--levels"), e.getMessage());
  }
}
