package org.roifeatures.ops;

import java.lang.System.Logger.Level;

/**
 * The one place that chooses vector or scalar code, once per JVM, for everything in this package
 * that has both: the RoI kernels (the Panama kernels when the {@code jdk.incubator.vector} module is
 * present and vectors are at least 128 bits wide, else the scalar {@link DefaultRoiKernels}) and the
 * bulk half-precision encoder behind {@link HalfPrecision}. Logs one line saying which and why: a
 * WARNING naming the flag to add when the vector module is missing, INFO otherwise.
 *
 * <p>Set the system property {@code roifeatures.kernels=scalar} to force the scalar path, and
 * {@code roifeatures.align.summation=reference} for torchvision's order of the average's sums.
 */
final class RoiKernelsProvider {

  static final String FORCE_PROPERTY = "roifeatures.kernels";
  /**
   * {@code reference} sums RoI Align averages per sample in torchvision's order (its bits, ≈ 20%
   * slower on FPN heads); the default {@code separable} sums each bin's distinct cells once (see
   * {@link SamplePlan}). JVM-wide, read once, like the kernel choice.
   */
  static final String SUMMATION_PROPERTY = "roifeatures.align.summation";
  static final boolean REFERENCE_SUMMATION = readSummation();
  private static final String PANAMA_CLASS = "org.roifeatures.ops.PanamaRoiKernels";
  private static final String PANAMA_ENCODER_CLASS = "org.roifeatures.ops.PanamaHalfEncoder";

  private RoiKernelsProvider() {}

  private static boolean readSummation() {
    String v = System.getProperty(SUMMATION_PROPERTY, "separable");
    if (v.equalsIgnoreCase("reference")) {
      return true;
    }
    if (!v.equalsIgnoreCase("separable")) {
      System.getLogger("org.roifeatures.ops").log(Level.WARNING, SUMMATION_PROPERTY
          + " must be separable or reference, got '" + v + "'; using separable");
    }
    return false;
  }

  /** The kernels the facades use. */
  static RoiKernels get() {
    return Holder.INSTANCE;
  }

  /** The scalar kernels, always available. */
  static RoiKernels scalar() {
    return DefaultRoiKernels.INSTANCE;
  }

  /** The vector kernels, or null when this JVM cannot run them. */
  static RoiKernels panamaOrNull() {
    return Holder.PANAMA;
  }

  /** The bulk half-precision encoder {@link HalfPrecision} uses; vector exactly when the kernels are. */
  static HalfEncoder halfEncoder() {
    return Holder.ENCODER;
  }

  /** The vector encoder, or null when this JVM cannot run it (tests compare it with the scalar one). */
  static HalfEncoder halfEncoderPanamaOrNull() {
    return Holder.PANAMA_ENCODER;
  }

  /**
   * The layout {@code kernels} run fastest on: the vector kernels read channel runs of channels-last
   * maps; the scalar kernels read one channel plane at a time, which CHW keeps compact in cache.
   */
  static FeatureMap.Layout preferredLayout(RoiKernels kernels) {
    return kernels != null && kernels == Holder.PANAMA ? FeatureMap.Layout.HWC : FeatureMap.Layout.CHW;
  }

  /** See {@link RoiAlign#prepare}. */
  static FeatureMap prepare(RoiKernels kernels, FeatureMap map, float[] reuse) {
    return kernels.prepare(map, reuse);
  }

  private static final class Holder {
    static final RoiKernels PANAMA = PanamaLoader.createIfSupported(PANAMA_CLASS,
        RoiKernels.class, "Panama kernels");
    static final RoiKernels INSTANCE = choose();
    static final HalfEncoder PANAMA_ENCODER = PanamaLoader.createIfSupported(PANAMA_ENCODER_CLASS,
        HalfEncoder.class, "Panama half-precision encoder");
    static final HalfEncoder ENCODER = INSTANCE == PANAMA && PANAMA_ENCODER != null
        ? PANAMA_ENCODER : ScalarHalfEncoder.INSTANCE;

    private static RoiKernels choose() {
      String forced = System.getProperty(FORCE_PROPERTY, "");
      String why;
      RoiKernels chosen;
      Level level = Level.INFO;
      if (forced.equalsIgnoreCase("scalar")) {
        chosen = DefaultRoiKernels.INSTANCE;
        why = FORCE_PROPERTY + "=scalar";
      } else if (PANAMA != null) {
        chosen = PANAMA;
        why = "jdk.incubator.vector present";
      } else {
        chosen = DefaultRoiKernels.INSTANCE;
        boolean moduleMissing = ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty();
        why = moduleMissing
            ? "jdk.incubator.vector not enabled: add --add-modules jdk.incubator.vector to the JVM "
                + "options for the vector kernels, several times faster"
            : "vector kernels unavailable on this CPU/JVM";
        level = moduleMissing ? Level.WARNING : Level.INFO;
      }
      System.getLogger("org.roifeatures.ops").log(level, "roi-features kernels: " + chosen.name()
          + " (" + why + ")"
          + (REFERENCE_SUMMATION ? "; RoI Align averages summed in torchvision's order" : ""));
      return chosen;
    }
  }
}
