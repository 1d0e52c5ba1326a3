package dev.unideploy.pipeline;

/**
 * A failure a user can act on. The message says what failed and what to do about it, in one line,
 * with no secrets; the CLI prints it as is and adds the cause's stack trace only with --verbose.
 */
public class UnideployException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public UnideployException(String message) {
    super(message);
  }

  public UnideployException(String message, Throwable cause) {
    super(message, cause);
  }
}
