package dev.unideploy.cli;

import java.io.PrintStream;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * GitHub Actions workflow commands ({@code ::error::}, {@code ::group::}, {@code ::add-mask::}, and
 * {@code ::stop-commands::} around text that must not be read as commands), written to the step's
 * log with the runner's escaping.
 *
 * <p>The runner reads a command from any log line that starts with {@code ::}, so a guest's console
 * line or a cloud's error message could set outputs or unmask secrets if printed as is; {@link
 * #untrusted()} turns command processing off until its token is printed again (<a
 * href="https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-commands#stopping-and-starting-workflow-commands">stopping
 * and starting workflow commands</a>).
 */
final class WorkflowCommands {
  private static final SecureRandom RANDOM = new SecureRandom();

  private final PrintStream log;

  WorkflowCommands(PrintStream log) {
    this.log = log;
  }

  void error(String title, String message) {
    annotation("error", title, message);
  }

  void warning(String title, String message) {
    annotation("warning", title, message);
  }

  void notice(String title, String message) {
    annotation("notice", title, message);
  }

  private void annotation(String kind, String title, String message) {
    log.println("::" + kind + " title=" + escapeProperty(title) + "::" + escapeData(message));
    log.flush();
  }

  void group(String title) {
    log.println("::group::" + escapeData(title));
    log.flush();
  }

  void endGroup() {
    log.println("::endgroup::");
    log.flush();
  }

  /** Hides {@code value} in every later log line; each line of a multi-line value separately. */
  void mask(String value) {
    if (value == null) {
      return;
    }
    value
        .lines()
        .map(String::strip)
        .filter(l -> l.length() >= 4)
        .forEach(l -> log.println("::add-mask::" + escapeData(l)));
    log.flush();
  }

  /**
   * Stops command processing until {@link Untrusted#close()}: what is printed in between is shown
   * as text even when a line starts with {@code ::}.
   */
  Untrusted untrusted() {
    byte[] bytes = new byte[16];
    RANDOM.nextBytes(bytes);
    String token = "unideploy-" + HexFormat.of().formatHex(bytes);
    log.println("::stop-commands::" + token);
    log.flush();
    return new Untrusted(token);
  }

  /** A stretch of log in which workflow commands are off. */
  final class Untrusted implements AutoCloseable {
    private final String token;
    private boolean closed;

    private Untrusted(String token) {
      this.token = token;
    }

    @Override
    public void close() {
      if (!closed) {
        closed = true;
        log.println("::" + token + "::");
        log.flush();
      }
    }
  }

  /** The runner's escaping of a command's message (ActionCommand.EscapeData in actions/runner). */
  static String escapeData(String s) {
    return s == null ? "" : s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A");
  }

  /** The runner's escaping of a command's property values: also ':' and ','. */
  static String escapeProperty(String s) {
    return escapeData(s).replace(":", "%3A").replace(",", "%2C");
  }
}
