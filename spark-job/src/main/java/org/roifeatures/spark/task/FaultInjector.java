package org.roifeatures.spark.task;

import java.io.Serializable;
import java.util.Set;
import java.util.TreeSet;
import org.apache.logging.log4j.LogManager;
import org.apache.spark.TaskContext;
import org.apache.spark.sql.SparkSession;
import scala.Option;

/**
 * Test-only fault injection, off unless {@code testing.fail.partitions} is set: the first
 * {@code testing.fail.attempts} attempts of each listed partition of the feature pass throw after
 * emitting {@code testing.fail.after.rows} rows, mid-partition, as a crashing executor would. Used to
 * prove that Spark's retry and output commit protocol leave exactly the expected rows, and that a
 * job that fails for good leaves no output that looks complete.
 *
 * <p>Any {@code testing.fail.*} option set away from its default is logged as a WARN on the driver
 * (the options can arrive from any Spark conf or properties file), and {@code kill-executor} is
 * refused with a local master, where the "executor" is the driver's own JVM.
 */
public final class FaultInjector implements Serializable {

  private static final long serialVersionUID = 1L;

  /** Message of the injected exception, so tests can tell it from real failures. */
  public static final String MESSAGE = "roi-features injected fault (testing.fail.partitions)";

  private final int[] partitions;
  private final long afterRows;
  private final int attempts;
  /** True: halt the whole executor JVM (as a killed executor) instead of failing the task. */
  private final boolean killExecutor;

  private FaultInjector(int[] partitions, long afterRows, int attempts, boolean killExecutor) {
    this.partitions = partitions;
    this.afterRows = afterRows;
    this.attempts = attempts;
    this.killExecutor = killExecutor;
  }

  /**
   * The injector for {@code "0,2"}-style partition lists; an empty list injects nothing. The master
   * is the active Spark session's (the job runs on the driver with its session active).
   */
  public static FaultInjector parse(String partitionList, long afterRows, int attempts,
      String mode) {
    Option<SparkSession> active = SparkSession.getActiveSession();
    if (active.isEmpty()) {
      active = SparkSession.getDefaultSession();
    }
    return parse(partitionList, afterRows, attempts, mode,
        active.isDefined() ? active.get().sparkContext().master() : null);
  }

  /** As {@link #parse(String, long, int, String)} for a job on {@code master} (null: unknown). */
  public static FaultInjector parse(String partitionList, long afterRows, int attempts,
      String mode, String master) {
    String warning = warning(partitionList, afterRows, attempts, mode);
    if (warning != null) {
      LogManager.getLogger(FaultInjector.class).warn(warning);
    }
    if (mode.equals("kill-executor") && isLocal(master)) {
      throw new IllegalArgumentException("testing.fail.mode=kill-executor halts the executor JVM, "
          + "which with master '" + master + "' is the driver itself: refused in local mode (use "
          + "testing.fail.mode=throw, or a cluster master)");
    }
    if (!mode.equals("throw") && !mode.equals("kill-executor")) {
      throw new IllegalArgumentException("testing.fail.mode must be throw or kill-executor, got '"
          + mode + "'");
    }
    Set<Integer> ids = new TreeSet<>();
    for (String p : partitionList.split(",")) {
      if (!p.isBlank()) {
        try {
          ids.add(Integer.parseInt(p.trim()));
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException("testing.fail.partitions must be partition ids like "
              + "'0,2', got '" + partitionList + "'");
        }
      }
    }
    if (afterRows < 0) {
      throw new IllegalArgumentException("testing.fail.after.rows must be >= 0, got " + afterRows);
    }
    if (attempts < 1) {
      throw new IllegalArgumentException("testing.fail.attempts must be >= 1, got " + attempts);
    }
    return new FaultInjector(ids.stream().mapToInt(Integer::intValue).toArray(), afterRows, attempts,
        mode.equals("kill-executor"));
  }

  /** The driver's warning when any testing.fail.* option differs from its default, else null. */
  static String warning(String partitionList, long afterRows, int attempts, String mode) {
    // Defaults as in JobOptions: partitions "", after.rows 5, attempts 1, mode throw.
    if (partitionList.isBlank() && afterRows == 5 && attempts == 1 && mode.equals("throw")) {
      return null;
    }
    return "TEST-ONLY FAULT INJECTION is configured (testing.fail.partitions='" + partitionList
        + "', testing.fail.after.rows=" + afterRows + ", testing.fail.attempts=" + attempts
        + ", testing.fail.mode=" + mode + "): "
        + (partitionList.isBlank() ? "no partitions listed, so nothing is injected; "
            : "tasks of partitions " + partitionList + " will fail on purpose; ")
        + "remove the testing.fail.* options from production configurations";
  }

  /** Local masters run the executors inside the driver JVM ({@code local-cluster} does not). */
  static boolean isLocal(String master) {
    return master != null && (master.equals("local") || master.startsWith("local["));
  }

  /** Throws when this is an early attempt of a listed partition that has emitted enough rows. */
  void check(long rowsEmitted) {
    if (partitions.length == 0 || rowsEmitted != afterRows) {
      return;
    }
    TaskContext ctx = TaskContext.get();
    if (ctx == null || ctx.attemptNumber() >= attempts) {
      return;
    }
    if (killExecutor && ctx.stageAttemptNumber() > 0) {
      // A lost executor takes its shuffle files along, so Spark may rerun the stage, whose task
      // attempts count from 0 again: kill only in the first stage attempt, or it never finishes.
      return;
    }
    for (int p : partitions) {
      if (p == ctx.partitionId()) {
        if (killExecutor) {
          // The executor process dies mid-task, as when a node is lost; only for cluster tests
          // (in local mode this would end the driver too).
          System.err.println(MESSAGE + ": halting executor in partition " + p);
          Runtime.getRuntime().halt(137);
        }
        throw new IllegalStateException(MESSAGE + ": partition " + p + " after " + rowsEmitted
            + " rows, attempt " + ctx.attemptNumber());
      }
    }
  }
}
