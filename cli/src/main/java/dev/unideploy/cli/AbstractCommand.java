package dev.unideploy.cli;

import dev.unideploy.pipeline.events.EventSink;
import java.io.PrintWriter;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * Shared shape of a subcommand: run with an event sink, return a result tree, print it as JSON on
 * stdout ({@code --output json}) or as a human summary.
 */
abstract class AbstractCommand implements Callable<Integer> {

  @Mixin GlobalOptions global;

  @Spec CommandSpec spec;

  /** Does the work; the returned map is the command's result document. */
  protected abstract Map<String, Object> execute(EventSink events) throws Exception;

  /** Prints the result for a person; the default prints nothing beyond the event stream. */
  protected void printSummary(Map<String, Object> result, PrintWriter out) {}

  /** The exit code for a result; commands with partial outcomes override this. */
  protected int exitCode(Map<String, Object> result) {
    return ExitCodes.OK;
  }

  @Override
  public final Integer call() throws Exception {
    EventSink events = ConsoleRenderer.forStderr(global);
    Map<String, Object> result = execute(events);
    PrintWriter out = spec.commandLine().getOut();
    if (global.output() == GlobalOptions.OutputFormat.JSON) {
      out.println(Json.write(result));
    } else {
      printSummary(result, out);
    }
    out.flush();
    return exitCode(result);
  }
}
