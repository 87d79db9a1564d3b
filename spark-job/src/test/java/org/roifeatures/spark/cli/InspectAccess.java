package org.roifeatures.spark.cli;

import java.io.IOException;
import java.io.PrintStream;
import org.apache.spark.sql.SparkSession;

/** Lets tests in other packages run {@code inspect} on an output, as the CLI does. */
public final class InspectAccess {

  private InspectAccess() {}

  public static void print(SparkSession spark, String path, PrintStream out) throws IOException {
    Inspect.print(spark, path, 1, null, out);
  }
}
