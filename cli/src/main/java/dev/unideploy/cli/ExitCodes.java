package dev.unideploy.cli;

/**
 * The process exit codes, documented in the README and in {@code unideploy --help}.
 *
 * <p>CI scripts branch on these, so they never change meaning.
 */
public final class ExitCodes {
  /** Everything asked for was done (or was already done). */
  public static final int OK = 0;

  /** The operation failed; the one-line message says what and what to do. */
  public static final int FAILURE = 1;

  /** The command line was wrong: unknown option, missing argument, bad value. */
  public static final int USAGE = 2;

  /** Part of the work succeeded and part failed (for example one region of several). */
  public static final int PARTIAL = 3;

  /** Interrupted (Ctrl-C); a re-run resumes where this one stopped. */
  public static final int INTERRUPTED = 130;

  static final String HELP_TEXT =
      "Exit codes:%n"
          + "  0    ok (or nothing to do)%n"
          + "  1    failure: the message says what failed and what to do%n"
          + "  2    usage error: bad option or argument%n"
          + "  3    partial: some targets (regions, instances) failed, the others succeeded%n"
          + "  130  interrupted: re-run the same command to resume";

  private ExitCodes() {}
}
