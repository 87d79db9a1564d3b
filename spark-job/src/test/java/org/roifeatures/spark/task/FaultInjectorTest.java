package org.roifeatures.spark.task;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.config.Property;
import org.junit.jupiter.api.Test;

/**
 * The test-only fault injector is loud and refuses to halt the driver: any testing.fail.* option
 * away from its default logs a WARN, and kill-executor with a local master is an
 * IllegalArgumentException (a halted "executor" would be the driver's own JVM).
 */
class FaultInjectorTest {

  /** The WARN lines FaultInjector logs while {@code r} runs. */
  static List<String> warnings(Runnable r) {
    List<String> lines = new CopyOnWriteArrayList<>();
    LoggerContext ctx = (LoggerContext) LogManager.getContext(false);
    AbstractAppender capture = new AbstractAppender("fault-injector-capture", null, null, true,
        Property.EMPTY_ARRAY) {
      @Override
      public void append(LogEvent e) {
        if (e.getLoggerName().equals(FaultInjector.class.getName())) {
          lines.add(e.getLevel() + " " + e.getMessage().getFormattedMessage());
        }
      }
    };
    capture.start();
    LoggerConfig config = ctx.getConfiguration().getLoggerConfig(FaultInjector.class.getName());
    config.addAppender(capture, Level.WARN, null);
    ctx.updateLoggers();
    try {
      r.run();
    } finally {
      config.removeAppender(capture.getName());
      ctx.updateLoggers();
      capture.stop();
    }
    return lines;
  }

  @Test
  void defaultsAreSilent() {
    assertEquals(List.of(), warnings(() -> FaultInjector.parse("", 5, 1, "throw", "local[2]")));
  }

  @Test
  void anyTestingOptionLogsAWarning() {
    for (Runnable r : List.<Runnable>of(
        () -> FaultInjector.parse("0,2", 5, 1, "throw", "local[2]"),
        () -> FaultInjector.parse("", 3, 1, "throw", "local[2]"),
        () -> FaultInjector.parse("", 5, 4, "throw", "local[2]"),
        () -> FaultInjector.parse("", 5, 1, "kill-executor", "spark://h:7077"))) {
      List<String> lines = warnings(r);
      assertEquals(1, lines.size(), lines.toString());
      assertTrue(lines.get(0).startsWith("WARN TEST-ONLY FAULT INJECTION"), lines.get(0));
    }
  }

  @Test
  void killExecutorIsRefusedWithALocalMaster() {
    for (String master : List.of("local", "local[2]", "local[*]", "local[2,3]")) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> FaultInjector.parse("0", 2, 1, "kill-executor", master), master);
      assertTrue(e.getMessage().contains("kill-executor") && e.getMessage().contains(master)
          && e.getMessage().contains("local mode"), e.getMessage());
    }
    // Executors in their own JVMs: allowed (StandaloneClusterIT halts one).
    for (String master : List.of("spark://127.0.0.1:7077", "local-cluster[2,1,1024]", "yarn")) {
      assertNotNull(FaultInjector.parse("0", 2, 1, "kill-executor", master), master);
    }
    // throw is fine everywhere.
    assertNotNull(FaultInjector.parse("0", 2, 1, "throw", "local[2]"));
  }
}
