package org.roifeatures.ops;

import java.lang.System.Logger.Level;

/**
 * Loads a class of the Vector API source root ({@code src/main/java-panama}) by name and calls its
 * {@code static createIfSupported()}: only when this JVM has {@code jdk.incubator.vector}, so that no
 * other class ever links against the incubator module. Null when the module is absent, the class is
 * missing or it declines; a failure to load is logged once.
 */
final class PanamaLoader {

  private PanamaLoader() {}

  static <T> T createIfSupported(String className, Class<T> type, String what) {
    if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
      return null;
    }
    try {
      Object created = Class.forName(className).getMethod("createIfSupported").invoke(null);
      return type.cast(created);
    } catch (ClassNotFoundException e) {
      return null;
    } catch (ReflectiveOperationException | LinkageError | ClassCastException e) {
      System.getLogger("org.roifeatures.ops").log(Level.INFO, what + " failed to load (" + e + ")");
      return null;
    }
  }
}
