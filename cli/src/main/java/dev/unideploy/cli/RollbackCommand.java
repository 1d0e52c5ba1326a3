package dev.unideploy.cli;

import dev.unideploy.pipeline.events.EventSink;
import dev.unideploy.pipeline.job.RollbackJob;
import dev.unideploy.pipeline.job.RolloutOptions;
import dev.unideploy.pipeline.rollout.RollbackResult;
import java.io.PrintWriter;
import java.time.Clock;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code unideploy rollback [--to VERSION]}: back to a kept earlier release, health-gated. */
@Command(
    name = "rollback",
    mixinStandardHelpOptions = true,
    description = {
      "Put the previous release (or --to VERSION) back in service: its kept group is scaled up,",
      "proven healthy and attached before the serving one leaves (kept at size 0). An interrupted",
      "rollout is rolled back first. Exit 1 when the target does not become healthy (what served",
      "keeps serving)."
    })
final class RollbackCommand extends AbstractCommand<RollbackResult> {

  @Mixin ConfigOptions config;

  @Mixin HealthOptions health;

  @Option(
      names = "--to",
      paramLabel = "VERSION",
      description =
          "The release to return to (default: the newest kept one before the serving one).")
  String to;

  @Option(
      names = "--rollout-timeout",
      paramLabel = "DURATION",
      converter = RolloutFlags.DurationConverter.class,
      description = "Deadline of the rollback (deploy.timeout; 30m).")
  java.time.Duration timeout;

  @Option(names = "--dry-run", description = "Print the plan; change nothing.")
  boolean dryRun;

  @Option(
      names = "--force-unlock",
      description = "Take over the app's lock from a run that died (remote state).")
  boolean forceUnlock;

  @Override
  protected RollbackResult execute(EventSink events) {
    var overrides =
        health
            .applyTo(config.overrides())
            .rollout(
                new dev.unideploy.pipeline.config.ConfigOverrides.RolloutOverrides(
                    null, null, null, null, null, null, timeout));
    RolloutOptions options = RolloutOptions.defaults().withDryRun(dryRun);
    RollbackJob job =
        new RollbackJob(
            config.provider(), config.load(overrides.build()), events, Clock.systemUTC());
    if (dryRun) {
      return job.run(to, forceUnlock, options);
    }
    try (CtrlC ignored = CtrlC.rollsBack(options.cancellation(), events)) {
      return job.run(to, forceUnlock, options);
    }
  }

  @Override
  protected int exitCode(RollbackResult r) {
    if (r.failed()) {
      throw new CliExitException(
          ExitCodes.FAILURE,
          "the rollback did not complete ("
              + r.reason()
              + ")"
              + (r.group() == null ? "" : "; " + r.group() + " still serves"));
    }
    return ExitCodes.OK;
  }

  @Override
  protected void printSummary(RollbackResult r, PrintWriter out) {
    if (r.finished() != null) {
      out.println("interrupted rollout of " + r.finished().group() + ": " + r.finished().outcome());
    }
    switch (r.outcome()) {
      case RollbackResult.DRY_RUN -> {
        out.println("plan, nothing changed:");
        RolloutText.plan(r.plan(), out);
        return;
      }
      case RollbackResult.FAILED ->
          out.println("rollback failed: " + TerminalText.sanitize(r.reason()));
      default ->
          out.println(
              "rolled back: "
                  + r.group()
                  + " ("
                  + r.version()
                  + ") serves"
                  + (r.from().isEmpty()
                      ? ""
                      : "; out of service, kept: " + String.join(", ", r.from())));
    }
    RolloutText.instances(r.instances(), out);
    if (r.endpoint() != null) {
      out.println("endpoint: " + r.endpoint());
    }
  }
}
