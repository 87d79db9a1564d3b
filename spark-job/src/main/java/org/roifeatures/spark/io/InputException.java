package org.roifeatures.spark.io;

/**
 * An input (maps or proposals) that cannot be read as a whole: a missing path, a file that is not
 * what its format says. The CLI exits with its own code (4) so that an orchestrator can tell "fix the
 * data" from "fix the command" (2). Bad rows and bad maps of single images are rejects, not this.
 */
public class InputException extends IllegalArgumentException {

  private static final long serialVersionUID = 1L;

  public InputException(String message) {
    super(message);
  }

  public InputException(String message, Throwable cause) {
    super(message, cause);
  }
}
