package org.roifeatures.spark.examples;

import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.classification.LogisticRegression;
import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.roifeatures.spark.ml.RoiFeatureExtractor;

/**
 * Train a classifier on RoI features in one Spark ML pipeline: proposals with a {@code label}
 * column in, the extractor pools each box from the image's feature maps, logistic regression
 * learns the label from the pooled vector. Copy it as a starting point.
 *
 * <pre>
 *   spark-submit --class org.roifeatures.spark.examples.ClassifierExample roi-features.jar \
 *     MAPS_PATH TRAIN_PROPOSALS TEST_PROPOSALS
 * </pre>
 */
public final class ClassifierExample {

  private ClassifierExample() {}

  /** Fits extractor → logistic regression on {@code train} (needs a numeric {@code label}). */
  public static PipelineModel train(String mapsPath, Dataset<Row> train) {
    RoiFeatureExtractor extractor = new RoiFeatureExtractor()
        .setMapsPath(mapsPath)
        .setOp("roi_align")
        .setPooledSize(2, 2)
        .setSamplingRatio(2)
        .setAligned(true);                   // the output column "features" holds ML vectors
    LogisticRegression classifier = new LogisticRegression().setMaxIter(50).setRegParam(0.01);
    return new Pipeline().setStages(new PipelineStage[] {extractor, classifier}).fit(train);
  }

  /** The accuracy of {@code model} on {@code test}'s labels. */
  public static double accuracy(PipelineModel model, Dataset<Row> test) {
    return new MulticlassClassificationEvaluator().setMetricName("accuracy")
        .evaluate(model.transform(test));
  }

  public static void main(String[] args) {
    SparkSession spark = SparkSession.builder().appName("roi-features classifier").getOrCreate();
    PipelineModel model = train(args[0], spark.read().parquet(args[1]));
    System.out.printf("accuracy on %s: %.3f%n", args[2], accuracy(model, spark.read().parquet(args[2])));
    spark.stop();
  }
}
