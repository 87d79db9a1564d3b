package org.roifeatures.spark.io;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.functions;

/**
 * {@code proposals.min.score} and {@code proposals.top.k}: keeps, per image, the proposals whose
 * score is at least the minimum, and of those the k with the highest score (ties: lower roi_id
 * first). The others are <em>selected out</em>: neither written nor rejected, only counted.
 * Rejected rows are not candidates; they stay rejects. A null score fails a minimum and ranks last.
 *
 * <p>roi_ids stay those of the whole input: when the input gives none, each proposal's position
 * among its image's rows in input order is fixed here, before selection, exactly as the tasks
 * would number them (rejected rows count); so a proposal has the same roi_id with and without
 * selection. The rank and the positions are window functions by image: one extra shuffle and sort
 * of the (small) proposal rows, paid only when an option is set.
 */
public final class ProposalSelection {

  private ProposalSelection() {}

  /** The proposals to pool and reject, and the rows selected out (for counting). */
  public record Selection(Proposals.Read read, Dataset<Row> selectedOut) {
    /** How many proposals were selected out: a Spark job, 0 without selection. */
    public long count() {
      return selectedOut == null ? 0 : selectedOut.count();
    }
  }

  /**
   * @param minScore the smallest score kept, or null for none
   * @param topK     proposals kept per image, 0 for all
   */
  public static Selection apply(Proposals.Read read, Double minScore, int topK) {
    if (minScore == null && topK <= 0) {
      return new Selection(read, null);
    }
    Dataset<Row> rows = read.rows();
    String[] columns = rows.columns();
    if (!read.roiIdsGiven()) {
      rows = rows.withColumn("roi_id_given", functions.row_number()
          .over(Window.partitionBy(col("image_id")).orderBy(col("_order"))).minus(1).cast("long"));
    }
    Column candidate = col("reason").isNull();
    Column belowMin = minScore == null ? lit(false)
        : col("score").isNull().or(col("score").lt(lit(minScore)));
    Column out = belowMin;
    if (topK > 0) {
      Column first = when(candidate.and(functions.not(belowMin)), 0).otherwise(1);
      Column rank = functions.row_number().over(Window.partitionBy(col("image_id"))
          .orderBy(first.asc(), col("score").desc_nulls_last(), col("roi_id_given").asc_nulls_last(),
              col("_order").asc()));
      out = out.or(rank.gt(topK));
    }
    Dataset<Row> marked = rows.withColumn("_selected_out", candidate.and(out));
    Dataset<Row> kept = marked.filter(functions.not(col("_selected_out")))
        .select(java.util.Arrays.stream(columns).map(functions::col).toArray(Column[]::new));
    // Positions were fixed above: the tasks take them as given ids (they are unique per image).
    return new Selection(new Proposals.Read(kept, true),
        marked.filter(col("_selected_out")));
  }
}
