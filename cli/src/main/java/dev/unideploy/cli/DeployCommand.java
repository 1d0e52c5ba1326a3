package dev.unideploy.cli;

import dev.unideploy.pipeline.events.EventSink;
import dev.unideploy.pipeline.job.DeployJob;
import dev.unideploy.pipeline.job.PublishJob;
import dev.unideploy.pipeline.job.RolloutOptions;
import dev.unideploy.pipeline.rollout.DeployResult;
import java.io.PrintWriter;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code unideploy deploy --provider local --image disk.img}: publish, then roll the release out
 * with the configured strategy; a failure rolls back by itself and exits 1.
 */
@Command(
    name = "deploy",
    mixinStandardHelpOptions = true,
    description = {
      "Publish an image and roll it out as a new server group: blue-green (default), canary or",
      "rolling, health-gated. A failed health check, the deadline, Ctrl-C or a provider error",
      "rolls back by itself (exit 1; 130 after Ctrl-C). An interrupted earlier run is finished",
      "first. See docs/rollouts.md."
    })
final class DeployCommand extends AbstractCommand<DeployResult> {

  @Mixin ConfigOptions config;

  @Mixin HealthOptions health;

  @Mixin PublishCommand.ImageOptions image;

  @Mixin RolloutFlags rollout;

  @Option(
      names = "--instances",
      paramLabel = "N",
      description = "Instances in the new group (deploy.instances; default 1).")
  Integer instances;

  @Option(
      names = "--port",
      paramLabel = "GUEST",
      description = "A TCP port the app listens on in the guest (deploy.ports; repeatable).")
  List<Integer> ports = new ArrayList<>();

  @Option(
      names = "--no-verify",
      description =
          "Skip the verification boot before publishing (the instances still must pass"
              + " their health checks).")
  boolean noVerify;

  @Option(
      names = "--dry-run",
      description =
          "Print the plan (what would be created, put in service, removed); change nothing.")
  boolean dryRun;

  @Option(
      names = "--force-unlock",
      description =
          "Take over the app's lock from a run that died (remote state; a local lock is freed by"
              + " the system when its holder dies).")
  boolean forceUnlock;

  @Override
  protected DeployResult execute(EventSink events) throws Exception {
    var overrides =
        rollout
            .applyTo(image.applyTo(health.applyTo(config.overrides())))
            .instances(instances)
            .ports(ports);
    RolloutOptions options = RolloutOptions.defaults().withDryRun(dryRun);
    DeployJob job =
        new DeployJob(config.provider(), config.load(overrides.build()), events, Clock.systemUTC());
    PublishJob.Options publish =
        new PublishJob.Options(image.format, !noVerify, false, forceUnlock, image.accel);
    if (dryRun) {
      return job.run(publish, options);
    }
    try (CtrlC ignored = CtrlC.rollsBack(options.cancellation(), events)) {
      return job.run(publish, options);
    }
  }

  @Override
  protected int exitCode(DeployResult r) {
    if (r.rolledBack()) {
      throw new CliExitException(ExitCodes.FAILURE, rolledBack(r));
    }
    return ExitCodes.OK;
  }

  /** What a rolled-back deploy says to the user (also the GitHub Action's error annotation). */
  static String rolledBack(DeployResult r) {
    return r.group()
        + " did not go into service and was rolled back ("
        + r.reason()
        + ")"
        + (r.previous() == null ? "" : "; " + r.previous() + " still serves")
        + ": see the instances above, fix the release and deploy again";
  }

  @Override
  protected void printSummary(DeployResult r, PrintWriter out) {
    if (r.resumed() != null) {
      out.println(
          "finished an interrupted rollout first: "
              + r.resumed().group()
              + " "
              + r.resumed().outcome());
    }
    switch (r.outcome()) {
      case DeployResult.DRY_RUN -> {
        out.println(
            "plan for "
                + r.app()
                + " "
                + r.version()
                + " ("
                + r.strategy()
                + "), nothing changed:");
        RolloutText.plan(r.plan(), out);
        return;
      }
      case DeployResult.UNCHANGED ->
          out.println(r.group() + " already serves " + r.version() + ": nothing to do");
      case DeployResult.ROLLED_BACK ->
          out.println(
              "rolled back "
                  + r.group()
                  + " ("
                  + r.strategy()
                  + "): "
                  + TerminalText.sanitize(r.reason()));
      default ->
          out.println(
              "deployed "
                  + r.group()
                  + " ("
                  + r.provider()
                  + ", "
                  + r.strategy()
                  + (r.previous() == null ? "" : ", replacing " + r.previous())
                  + ")");
    }
    RolloutText.instances(r.instances(), out);
    if (!r.kept().isEmpty()) {
      out.println("kept for rollback (out of service): " + String.join(", ", r.kept()));
    }
    if (!r.destroyed().isEmpty()) {
      out.println("removed: " + String.join(", ", r.destroyed()));
    }
    if (r.endpoint() != null && !r.rolledBack()) {
      out.println("endpoint: " + r.endpoint());
    }
  }
}
