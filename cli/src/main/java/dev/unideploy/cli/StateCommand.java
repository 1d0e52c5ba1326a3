package dev.unideploy.cli;

import dev.unideploy.pipeline.events.EventSink;
import dev.unideploy.pipeline.job.StatePushJob;
import dev.unideploy.pipeline.job.StatePushResult;
import dev.unideploy.pipeline.state.LocalStateStore;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code unideploy state push}: moves a machine's journals into the team's remote state. */
@Command(
    name = "state",
    mixinStandardHelpOptions = true,
    description = "Manage where the journals and deploy locks live (docs/state.md).",
    subcommands = {StateCommand.Push.class})
final class StateCommand implements Runnable {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** {@code state push}. */
  @Command(
      name = "push",
      mixinStandardHelpOptions = true,
      description = {
        "Copy the journals of a local state folder into the remote state (--state or state:),",
        "so that re-runs, rollbacks and teammates on other machines see this machine's history.",
        "Safe to re-run; a remote journal with a different history is left alone (exit code 3)."
      })
  static final class Push extends AbstractCommand<StatePushResult> {
    @Mixin ConfigOptions config;

    @Option(
        names = "--from",
        paramLabel = "DIR",
        description = "The local state folder (default: ~/.unideploy/state).")
    Path from;

    @Override
    protected StatePushResult execute(EventSink events) throws Exception {
      return new StatePushJob(
              from != null ? from : LocalStateStore.defaultRoot(),
              config.load(),
              events,
              Clock.systemUTC())
          .run();
    }

    @Override
    protected void printSummary(StatePushResult r, PrintWriter out) {
      out.println("pushed " + r.from() + " to " + r.to());
      Table t = new Table("JOURNAL", "OUTCOME", "LOCAL", "REMOTE BEFORE", "PUSHED");
      for (StatePushResult.JournalPush j : r.journals()) {
        t.row(
            j.journal(),
            j.outcome().json(),
            Integer.toString(j.localEntries()),
            Integer.toString(j.remoteEntries()),
            Integer.toString(j.pushed()));
      }
      t.print(out);
    }

    @Override
    protected int exitCode(StatePushResult r) {
      return r.conflicts() ? ExitCodes.PARTIAL : ExitCodes.OK;
    }
  }
}
