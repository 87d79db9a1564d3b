package org.roifeatures.ops;

import java.lang.System.Logger.Level;

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
    static final HalfEncoder PANAMA = loadPanama();
    static final HalfEncoder INSTANCE = choose();

    private static HalfEncoder loadPanama() {
      if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
        return null;
      }
      try {
        Class<?> cls = Class.forName(PANAMA_CLASS);
        return (HalfEncoder) cls.getMethod("createIfSupported").invoke(null);
      } catch (ClassNotFoundException e) {
        return null;
      } catch (ReflectiveOperationException | LinkageError e) {
        System.getLogger("org.roifeatures.ops")
            .log(Level.INFO, "Panama half-precision encoder failed to load (" + e + ")");
        return null;
      }
    }

    private static HalfEncoder choose() {
      String forced = System.getProperty(RoiKernelsProvider.FORCE_PROPERTY, "");
      if (PANAMA == null || forced.equalsIgnoreCase("scalar")) {
        return ScalarHalfEncoder.INSTANCE;
      }
      return PANAMA;
    }
  }
}
