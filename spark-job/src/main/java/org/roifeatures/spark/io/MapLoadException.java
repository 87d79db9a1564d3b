package org.roifeatures.spark.io;

import org.roifeatures.spark.RejectReason;

/** A feature map that could not be loaded; carries the reject reason and a message naming the file. */
public final class MapLoadException extends Exception {

  private static final long serialVersionUID = 1L;
  private final RejectReason reason;

  public MapLoadException(RejectReason reason, String message, Throwable cause) {
    super(message, cause);
    this.reason = reason;
  }

  public RejectReason reason() {
    return reason;
  }
}
