package org.roifeatures.spark;

import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.sql.SparkSession;

/** Counts the Spark jobs an action starts: for tests that prove something plans without running. */
public final class SparkJobs {

  private SparkJobs() {}

  /** The number of Spark jobs started while {@code action} ran (all its events delivered). */
  public static int startedBy(SparkSession spark, ThrowingRunnable action) throws Exception {
    AtomicInteger jobs = new AtomicInteger();
    SparkListener counter = new SparkListener() {
      @Override
      public void onJobStart(SparkListenerJobStart jobStart) {
        jobs.incrementAndGet();
      }
    };
    spark.sparkContext().listenerBus().waitUntilEmpty();
    spark.sparkContext().addSparkListener(counter);
    try {
      action.run();
      spark.sparkContext().listenerBus().waitUntilEmpty();
      return jobs.get();
    } finally {
      spark.sparkContext().removeSparkListener(counter);
    }
  }

  /** An action that may throw. */
  public interface ThrowingRunnable {
    void run() throws Exception;
  }
}
