package org.roifeatures.spark;

import org.roifeatures.spark.cli.RoiFeaturesCli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.apache.spark.sql.SparkSession;

/**
 * {@link RoiFeaturesCli#run} with captured output, for tests. The CLI closes the session it gets from
 * {@code getOrCreate} (the test class's, when one is active); {@link #restart} says how to bring the
 * test class's session back.
 */
public record CliRun(int code, String out, String err) {

  /** Runs the CLI; afterwards calls {@code restart} when the CLI stopped the active session. */
  public static CliRun of(Runnable restart, String... args) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code;
    try {
      code = RoiFeaturesCli.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
          new PrintStream(err, true, StandardCharsets.UTF_8));
    } finally {
      SparkSession active = SparkSession.getActiveSession().isDefined()
          ? SparkSession.getActiveSession().get() : null;
      if (active == null || active.sparkContext().isStopped()) {
        restart.run();
      }
    }
    return new CliRun(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  /**
   * Asserts a user error: exit code 2 and one line on stderr that mentions every {@code mentions},
   * without an exception class name or a stack frame.
   */
  public CliRun assertUserError(String... mentions) {
    return assertOneLineError(2, mentions);
  }

  /** Asserts an input that cannot be read: exit code 4, one line as {@link #assertUserError}. */
  public CliRun assertInputError(String... mentions) {
    return assertOneLineError(4, mentions);
  }

  private CliRun assertOneLineError(int expectedCode, String... mentions) {
    String e = err.strip();
    System.out.println("[cli exit " + code + "] " + e);
    assertEquals(expectedCode, code, "exit code; stderr: " + err + "\nstdout: " + out);
    assertFalse(e.contains("\n"), "one line expected: " + err);
    assertFalse(e.contains("Exception") || e.contains("\tat "), "no stack trace expected: " + err);
    for (String m : mentions) {
      assertTrue(e.contains(m), "message should mention '" + m + "': " + err);
    }
    return this;
  }
}
