package org.roifeatures.spark.api;

import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.roifeatures.spark.FeaturePlan;

/**
 * The result of {@link RoiFeatures#extract}: the features and the rejects of one set of proposals,
 * as lazy Datasets over the same plan. Each action the caller runs computes what it needs: writing
 * the features pools every RoI; {@link #rejects()} loads each image's maps (to find unreadable ones)
 * but pools nothing; {@link #counts()} runs the rejects and a count of the proposals. Nothing is
 * counted in accumulators, so actions can be repeated or combined without double counting.
 */
public final class Extraction {

  private final FeaturePlan plan;

  Extraction(FeaturePlan plan) {
    this.plan = plan;
  }

  /**
   * One row per pooled RoI: {@code image_id, roi_id, x1, y1, x2, y2, score, label, level[, angle],
   * features}. The {@code features} column's metadata describes the vector ({@code roi_features.*}:
   * op, pooled size, channels, layout, precision, …) and survives a plain {@code df.write()}.
   */
  public Dataset<Row> features() {
    return plan.features();
  }

  /**
   * One row per proposal that could not be pooled: its keys, {@code reason} (a {@code
   * RejectReason}) and {@code detail} naming the bad value or file; the same rows as the CLI's
   * rejects output.
   */
  public Dataset<Row> rejects() {
    return plan.rejects();
  }

  /** The vector description, as on the features column and in the job's Parquet footer. */
  public Map<String, String> description() {
    return plan.description();
  }

  /** The resolved operator settings, one line. */
  public String settings() {
    return plan.settings().toString();
  }

  /** How many proposals go where; see {@link #counts()}. */
  public record Counts(long proposals, long selectedOut, long pooled,
      Map<String, Long> rejectsByReason) {
    public long rejected() {
      return rejectsByReason.values().stream().mapToLong(Long::longValue).sum();
    }
  }

  /**
   * Counts the proposals (after selection), those selected out, the rejects by reason and the
   * pooled ones (the rest), by running Spark jobs over the proposals and the rejects (no pooling).
   */
  public Counts counts() {
    long proposals = plan.proposals().count();
    Map<String, Long> byReason = new TreeMap<>();
    for (Row r : rejects().groupBy("reason").count().collectAsList()) {
      byReason.put(r.getString(0), r.getLong(1));
    }
    long rejected = byReason.values().stream().mapToLong(Long::longValue).sum();
    return new Counts(proposals, plan.selection().count(), proposals - rejected, byReason);
  }
}
