package org.roifeatures.spark;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerStageCompleted;
import org.apache.spark.scheduler.SparkListenerStageSubmitted;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.util.LongAccumulator;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Driver-side progress for long runs: when a stage starts and ends, and at most every
 * {@code intervalMillis} while tasks finish, one log line with the stage's tasks done and the images
 * pooled and RoIs written so far. Reads accumulators only; ships nothing to executors.
 */
final class ProgressListener extends SparkListener {

  private static final Logger LOG = LogManager.getLogger(ProgressListener.class);

  private final LongAccumulator images;
  private final LongAccumulator rois;
  private final long intervalMillis;
  private final long startMillis = System.currentTimeMillis();
  private volatile long lastReport;
  private volatile int tasksDone;
  private volatile int tasksTotal;
  private volatile String stageName = "";

  ProgressListener(LongAccumulator images, LongAccumulator rois, long intervalMillis) {
    this.images = images;
    this.rois = rois;
    this.intervalMillis = intervalMillis;
  }

  /** The job description (set per phase by the job) of each stage of the jobs started so far. */
  private final Map<Integer, String> stagePhase = new ConcurrentHashMap<>();

  @Override
  public void onJobStart(SparkListenerJobStart event) {
    String description = event.properties() == null ? null
        : event.properties().getProperty("spark.job.description");
    if (description != null) {
      for (Object stageId : CollectionConverters.asJava(event.stageIds())) {
        stagePhase.put((Integer) stageId, description);
      }
    }
  }

  @Override
  public void onStageSubmitted(SparkListenerStageSubmitted event) {
    tasksDone = 0;
    tasksTotal = event.stageInfo().numTasks();
    stageName = stagePhase.getOrDefault(event.stageInfo().stageId(),
        shortName(event.stageInfo().name()));
    LOG.info("stage {} ({}) started: {} tasks", event.stageInfo().stageId(), stageName, tasksTotal);
  }

  @Override
  public void onTaskEnd(SparkListenerTaskEnd event) {
    tasksDone++;
    long now = System.currentTimeMillis();
    if (now - lastReport >= intervalMillis) {
      lastReport = now;
      LOG.info(line());
    }
  }

  @Override
  public void onStageCompleted(SparkListenerStageCompleted event) {
    String failure = event.stageInfo().failureReason().isDefined()
        ? " FAILED: " + event.stageInfo().failureReason().get() : "";
    LOG.info("stage {} ({}) done{}; {}", event.stageInfo().stageId(), stageName, failure, totals());
  }

  private String line() {
    return String.format("progress: %s %d/%d tasks; %s", stageName, tasksDone, tasksTotal, totals());
  }

  private String totals() {
    double seconds = (System.currentTimeMillis() - startMillis) / 1e3;
    return String.format("%,d images pooled, %,d RoIs written, %.0f s", images.value(), rois.value(),
        seconds);
  }

  /** The first line of a stage name (Spark appends call sites on further lines). */
  private static String shortName(String name) {
    int nl = name.indexOf('\n');
    return nl < 0 ? name : name.substring(0, nl);
  }
}
