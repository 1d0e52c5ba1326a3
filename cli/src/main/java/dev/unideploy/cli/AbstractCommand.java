package dev.unideploy.cli;

import dev.unideploy.pipeline.ResultJson;
import dev.unideploy.pipeline.events.EventSink;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * Shared shape of a subcommand: run with an event sink, return a typed result, print it as JSON on
 * stdout ({@code --output json}) or as a human summary.
 *
 * @param <R> the result record, serialised by {@link ResultJson}
 */
abstract class AbstractCommand<R> implements Callable<Integer> {

  @Mixin GlobalOptions global;

  @Spec CommandSpec spec;

  /** Does the work; the returned record is the command's result document. */
  protected abstract R execute(EventSink events) throws Exception;

  /** Prints the result for a person; the default prints nothing beyond the event stream. */
  protected void printSummary(R result, PrintWriter out) {}

  /** The exit code for a result; commands with partial outcomes override this. */
  protected int exitCode(R result) {
    return ExitCodes.OK;
  }

  @Override
  public final Integer call() throws Exception {
    EventSink events = ConsoleRenderer.forStderr(global);
    R result = execute(events);
    PrintWriter out = spec.commandLine().getOut();
    if (global.output() == GlobalOptions.OutputFormat.JSON) {
      out.println(ResultJson.write(result));
    } else {
      printSummary(result, out);
    }
    out.flush();
    return exitCode(result);
  }
}
