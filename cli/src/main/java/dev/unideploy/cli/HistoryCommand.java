package dev.unideploy.cli;

import dev.unideploy.pipeline.events.EventSink;
import dev.unideploy.pipeline.job.StatusJob;
import dev.unideploy.pipeline.rollout.HistoryResult;
import dev.unideploy.pipeline.rollout.RolloutSummary;
import java.io.PrintWriter;
import java.time.Clock;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code unideploy history}: the app's rollouts and rollbacks from the journal, newest first. */
@Command(
    name = "history",
    mixinStandardHelpOptions = true,
    description =
        "List the app's rollouts and rollbacks on a provider, newest first, from the journal.")
final class HistoryCommand extends AbstractCommand<HistoryResult> {

  @Mixin ConfigOptions config;

  @Option(
      names = "--limit",
      paramLabel = "N",
      description = "Only the newest N (default 20; 0: all).")
  int limit = 20;

  @Override
  protected HistoryResult execute(EventSink events) {
    return new StatusJob(config.provider(), config.load(), events, Clock.systemUTC())
        .history(limit);
  }

  @Override
  protected void printSummary(HistoryResult r, PrintWriter out) {
    if (r.rollouts().isEmpty()) {
      out.println("no rollouts of " + r.app() + " on " + r.provider());
      return;
    }
    Table t = new Table("STARTED", "KIND", "VERSION", "GROUP", "STRATEGY", "OUTCOME", "REASON");
    for (RolloutSummary s : r.rollouts()) {
      t.row(
          s.startedAt(),
          s.kind(),
          s.version(),
          s.group(),
          s.strategy(),
          s.outcome(),
          s.reason() == null ? "" : TerminalText.sanitize(abbreviate(s.reason())));
    }
    t.print(out);
  }

  private static String abbreviate(String s) {
    String one = s.replace('\n', ' ');
    return one.length() <= 80 ? one : one.substring(0, 77) + "...";
  }
}
