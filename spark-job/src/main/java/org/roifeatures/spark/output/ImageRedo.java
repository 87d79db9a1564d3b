package org.roifeatures.spark.output;

import static org.apache.spark.sql.functions.col;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.StructType;
import org.roifeatures.spark.io.InputException;

/**
 * {@code output.redo.images}: images an append run recomputes although committed runs hold them.
 * Committed Parquet files cannot lose rows in place, so every committed run that holds a redone
 * image is <em>superseded</em>: this run writes, into its own staging, copies of that run's features,
 * rejects and image list without the redone images, next to its new rows; its record lists the
 * superseded runs, and its commit removes them after its own commit point
 * ({@link IncrementalOutput#commit}). The next run's {@link IncrementalOutput#prepare} finishes a
 * commit that died half-way.
 */
public final class ImageRedo {

  private final Dataset<Row> ids;

  private ImageRedo(Dataset<Row> ids) {
    this.ids = ids;
  }

  /**
   * The image ids listed in {@code path} (text, one id per line, blank lines ignored; a file or a
   * directory of such files), or null when {@code path} is empty.
   */
  public static ImageRedo read(SparkSession spark, String path, String option) {
    if (path.isBlank()) {
      return null;
    }
    try {
      Path p = new Path(path);
      FileSystem fs = p.getFileSystem(spark.sparkContext().hadoopConfiguration());
      if (!fs.exists(p)) {
        throw new InputException("cannot read " + option + " " + path + ": no such file");
      }
    } catch (IOException e) {
      throw new InputException("cannot read " + option + " " + path + ": "
          + OutputPaths.oneLineMessage(e), e);
    }
    Dataset<Row> ids = spark.read().text(path)
        .select(functions.trim(col("value")).as("image_id"))
        .filter(functions.length(col("image_id")).gt(0)).distinct();
    return new ImageRedo(ids);
  }

  /** The images of {@code done} that are not redone (they stay done and are skipped). */
  public Dataset<Row> keepDone(Dataset<Row> done) {
    return done.join(ids, done.col("image_id").equalTo(ids.col("image_id")), "left_anti");
  }

  /** The ids of the committed runs (given by their image lists) that hold a redone image. */
  public List<String> runsHolding(SparkSession spark, List<String> imageLists) {
    List<String> runs = new ArrayList<>();
    if (imageLists.isEmpty()) {
      return runs;
    }
    Dataset<Row> lists = spark.read().parquet(imageLists.toArray(String[]::new))
        .withColumn("_list", functions.input_file_name());
    for (Row r : lists.join(ids, lists.col("image_id").equalTo(ids.col("image_id")), "left_semi")
        .select("_list").distinct().collectAsList()) {
      // .../_runs/<id>.images/part-...: the run id is the list directory's name without .images
      Path list = new Path(r.getString(0)).getParent();
      String name = list.getName();
      runs.add(name.substring(0, name.length() - ".images".length()));
    }
    runs.sort(null);
    return runs;
  }

  /**
   * Copies into this run's staging what the superseded runs hold of images that are not redone:
   * their features (written with {@code writeFeatures}, which gets rows of {@code featureSchema}
   * and the staging path), rejects and image ids.
   */
  public void carryOver(SparkSession spark, IncrementalOutput run, List<String> superseded,
      StructType featureSchema, StructType rejectSchema,
      BiConsumer<Dataset<Row>, String> writeFeatures) {
    for (String id : superseded) {
      writeFeatures.accept(conform(spark, keep(spark.read().parquet(run.committedFeatures(id))),
          featureSchema), run.stagingFeatures());
      Dataset<Row> rejects = spark.read().parquet(run.committedRejects(id));
      conform(spark, keep(rejects), rejectSchema).write().mode(SaveMode.Append)
          .option("compression", "snappy").option(RunRecord.NO_SPARK_SUCCESS, "false")
          .parquet(run.stagingRejects());
      keep(spark.read().parquet(run.committedImages(id))).write().mode(SaveMode.Append)
          .option(RunRecord.NO_SPARK_SUCCESS, "false").parquet(run.imagesPath());
    }
  }

  /** The rows of images that are not redone (rejects without an image id are kept). */
  private Dataset<Row> keep(Dataset<Row> rows) {
    return rows.join(ids, rows.col("image_id").equalTo(ids.col("image_id")), "left_anti");
  }

  /** {@code rows} with exactly the columns, order, types, nullability and metadata of {@code schema}. */
  private static Dataset<Row> conform(SparkSession spark, Dataset<Row> rows, StructType schema) {
    return spark.createDataFrame(rows.select(schema.fieldNames()[0],
        java.util.Arrays.copyOfRange(schema.fieldNames(), 1, schema.fieldNames().length))
        .javaRDD(), schema);
  }
}
