package dev.unideploy.cli;

import dev.unideploy.pipeline.UnideployException;

/** A failure that maps to a specific exit code, such as {@link ExitCodes#PARTIAL}. */
public final class CliExitException extends UnideployException {
  private static final long serialVersionUID = 1L;
  private final int exitCode;

  public CliExitException(int exitCode, String message) {
    super(message);
    this.exitCode = exitCode;
  }

  public int exitCode() {
    return exitCode;
  }
}
