package org.roifeatures.spark.task;

import java.io.Serializable;
import org.apache.spark.SparkContext;
import org.apache.spark.util.LongAccumulator;

/**
 * Where the feature pass spends its task time, summed over tasks in nanoseconds: reading maps,
 * running the operator, encoding vectors. The rest of a task's time is Spark's (join input, Parquet
 * encoding and writing). Accumulators, so the driver sees totals without collecting anything.
 */
public final class TaskClock implements Serializable {

  private static final long serialVersionUID = 1L;

  private final LongAccumulator readNanos;
  private final LongAccumulator poolNanos;
  private final LongAccumulator encodeNanos;

  public TaskClock(SparkContext sc) {
    readNanos = sc.longAccumulator("roi-features read ns");
    poolNanos = sc.longAccumulator("roi-features pool ns");
    encodeNanos = sc.longAccumulator("roi-features encode ns");
  }

  void addRead(long nanos) {
    readNanos.add(nanos);
  }

  void addPool(long nanos) {
    poolNanos.add(nanos);
  }

  void addEncode(long nanos) {
    encodeNanos.add(nanos);
  }

  /** Task-seconds spent reading maps. */
  public double readSeconds() {
    return readNanos.value() / 1e9;
  }

  /** Task-seconds spent in the operator kernels. */
  public double poolSeconds() {
    return poolNanos.value() / 1e9;
  }

  /** Task-seconds spent encoding vectors. */
  public double encodeSeconds() {
    return encodeNanos.value() / 1e9;
  }
}
