package org.roifeatures.ops;

/**
 * Chooses the bulk encoder once per JVM, the same way {@link RoiKernelsProvider} chooses kernels: the
 * Vector API encoder when {@code jdk.incubator.vector} is present, else {@link ScalarHalfEncoder}.
 * {@code roifeatures.kernels=scalar} forces the scalar encoder too. Only a failure to load the vector
 * encoder is logged; {@link HalfPrecision#implementationName()} tells which one runs.
 */
final class HalfEncoders {

  private static final String PANAMA_CLASS = "org.roifeatures.ops.PanamaHalfEncoder";

  private HalfEncoders() {}

  /** The encoder {@link HalfPrecision} uses. */
  static HalfEncoder get() {
    return Holder.INSTANCE;
  }

  /** The vector encoder, or null when this JVM cannot run it (tests compare it with the scalar one). */
  static HalfEncoder panamaOrNull() {
    return Holder.PANAMA;
  }

  private static final class Holder {
    static final HalfEncoder PANAMA = PanamaLoader.createIfSupported(PANAMA_CLASS,
        HalfEncoder.class, "Panama half-precision encoder");
    static final HalfEncoder INSTANCE = choose();

    private static HalfEncoder choose() {
      String forced = System.getProperty(RoiKernelsProvider.FORCE_PROPERTY, "");
      if (PANAMA == null || forced.equalsIgnoreCase("scalar")) {
        return ScalarHalfEncoder.INSTANCE;
      }
      return PANAMA;
    }
  }
}
