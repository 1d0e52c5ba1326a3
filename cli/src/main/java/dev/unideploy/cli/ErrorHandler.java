package dev.unideploy.cli;

import dev.unideploy.pipeline.UnideployException;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.ParseResult;

/**
 * Turns a failure into one line that says what failed and what to do; the stack trace only with
 * --verbose, because a trace is noise to a user and a clue to a developer.
 */
final class ErrorHandler implements IExecutionExceptionHandler {

  @Override
  public int handleExecutionException(Exception ex, CommandLine cl, ParseResult parsed) {
    PrintWriter err = cl.getErr();
    err.println("unideploy: " + TerminalText.sanitize(describe(ex)));
    if (isVerbose(parsed)) {
      ex.printStackTrace(err);
    } else if (!(ex instanceof UnideployException)) {
      err.println("(this looks like a bug in unideploy: run again with --verbose and report it)");
    }
    err.flush();
    return exitCodeOf(ex);
  }

  static int exitCodeOf(Throwable ex) {
    if (ex instanceof CliExitException c) {
      return c.exitCode();
    }
    if (ex instanceof CommandLine.ParameterException) {
      return ExitCodes.USAGE;
    }
    if (ex instanceof InterruptedException) {
      return ExitCodes.INTERRUPTED;
    }
    return ExitCodes.FAILURE;
  }

  static String describe(Throwable ex) {
    String msg = ex.getMessage();
    if (ex instanceof UnideployException && msg != null) {
      return msg;
    }
    return ex.getClass().getSimpleName() + (msg == null ? "" : ": " + msg);
  }

  private static boolean isVerbose(ParseResult parsed) {
    for (ParseResult p = parsed; p != null; p = p.subcommand()) {
      if (p.hasMatchedOption("--verbose")) {
        return true;
      }
    }
    return false;
  }
}
