package org.roifeatures.spark.task;

import java.util.List;

/** Lets tests outside this package capture FaultInjector's warnings. */
public final class FaultInjectorTestAccess {

  private FaultInjectorTestAccess() {}

  public static List<String> warnings(Runnable r) {
    return FaultInjectorTest.warnings(r);
  }
}
