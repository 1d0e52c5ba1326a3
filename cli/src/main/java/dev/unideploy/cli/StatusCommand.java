package dev.unideploy.cli;

import dev.unideploy.pipeline.events.EventSink;
import dev.unideploy.pipeline.job.StatusJob;
import dev.unideploy.pipeline.rollout.StatusResult;
import java.io.PrintWriter;
import java.time.Clock;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code unideploy status}: groups, versions, sizes, health, what serves, a running rollout. */
@Command(
    name = "status",
    mixinStandardHelpOptions = true,
    description = {
      "Show the app's server groups (version, size, health now, which serve), its endpoint, and",
      "a rollout that runs now or that an interrupted run left. Changes nothing; takes no lock."
    })
final class StatusCommand extends AbstractCommand<StatusResult> {

  @Mixin ConfigOptions config;

  @Override
  protected StatusResult execute(EventSink events) {
    return new StatusJob(config.provider(), config.load(), events, Clock.systemUTC()).status();
  }

  @Override
  protected void printSummary(StatusResult r, PrintWriter out) {
    out.println(
        r.app()
            + " on "
            + r.provider()
            + ": "
            + (r.serving().isEmpty()
                ? "nothing serves"
                : String.join(", ", r.serving()) + " serve(s)")
            + (r.endpoint() == null ? "" : " at " + r.endpoint()));
    if (r.groups().isEmpty()) {
      out.println("no server groups");
    } else {
      Table t = new Table("GROUP", "VERSION", "SIZE", "HEALTHY", "SERVING", "CREATED");
      for (StatusResult.GroupStatus g : r.groups()) {
        t.row(
            g.name(),
            g.version(),
            g.size(),
            g.healthy(),
            g.inService() ? "yes" : "no",
            g.createdAt());
      }
      t.print(out);
      Table i = new Table("INSTANCE", "STATE", "LOAD BALANCER", "HEALTH", "DETAIL");
      boolean any = false;
      for (StatusResult.GroupStatus g : r.groups()) {
        for (StatusResult.InstanceStatus s : g.instances()) {
          i.row(s.id(), s.lifecycle(), s.traffic(), s.health(), TerminalText.sanitize(s.detail()));
          any = true;
        }
      }
      if (any) {
        out.println();
        i.print(out);
      }
    }
    if (r.lock() != null) {
      out.println("a rollout runs now: " + r.lock().describe());
    }
    if (r.unfinished() != null) {
      out.println(
          "unfinished rollout "
              + r.unfinished().id()
              + " of "
              + r.unfinished().group()
              + " ("
              + r.unfinished().outcome()
              + ")"
              + (r.lock() == null ? ": the next deploy or rollback finishes it" : ""));
    } else if (r.last() != null) {
      out.println(
          "last rollout: "
              + r.last().group()
              + " "
              + r.last().outcome()
              + " at "
              + r.last().finishedAt());
    }
  }
}
