package dev.unideploy.cli;

import dev.unideploy.pipeline.config.DeploySettings;
import dev.unideploy.pipeline.events.EventSink;
import dev.unideploy.pipeline.job.DeployJob;
import dev.unideploy.pipeline.job.PublishJob;
import dev.unideploy.pipeline.rollout.DeployResult;
import dev.unideploy.pipeline.rollout.InstanceReport;
import java.io.PrintWriter;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code unideploy deploy --provider local --image disk.img}: publish, start a new server group,
 * wait until it is healthy, put it in service, take the previous one out.
 */
@Command(
    name = "deploy",
    mixinStandardHelpOptions = true,
    description = {
      "Publish an image and run it: a new server group per release, health-gated; the previous"
          + " group leaves service only once the new one is healthy (otherwise the new one is"
          + " removed)."
    })
final class DeployCommand extends AbstractCommand<DeployResult> {

  @Mixin ConfigOptions config;

  @Mixin HealthOptions health;

  @Mixin PublishCommand.ImageOptions image;

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
      names = "--strategy",
      paramLabel = "NAME",
      description = "blue-green (default), canary or rolling (deploy.strategy).")
  String strategy;

  @Option(
      names = "--no-verify",
      description =
          "Skip the verification boot before publishing (the instances still must pass"
              + " their health checks).")
  boolean noVerify;

  @Option(
      names = "--force-unlock",
      description = "Take over the app's lock from a run that died (remote state only).")
  boolean forceUnlock;

  @Override
  protected DeployResult execute(EventSink events) throws Exception {
    var overrides =
        image
            .applyTo(health.applyTo(config.overrides()))
            .instances(instances)
            .ports(ports)
            .strategy(strategy == null ? null : DeploySettings.Strategy.parse(strategy));
    return new DeployJob(
            config.provider(), config.load(overrides.build()), events, Clock.systemUTC())
        .run(new PublishJob.Options(image.format, !noVerify, false, forceUnlock, image.accel));
  }

  @Override
  protected void printSummary(DeployResult r, PrintWriter out) {
    out.println(
        "deployed "
            + r.group()
            + " ("
            + r.provider()
            + ", "
            + r.strategy()
            + (r.previous() == null ? "" : ", replacing " + r.previous())
            + ")");
    Table t = new Table("INSTANCE", "STATE", "DETAIL");
    for (InstanceReport i : r.instances()) {
      t.row(i.id(), i.state(), i.detail());
    }
    t.print(out);
    if (!r.kept().isEmpty()) {
      out.println("kept for rollback (out of service): " + String.join(", ", r.kept()));
    }
    if (!r.destroyed().isEmpty()) {
      out.println("removed: " + String.join(", ", r.destroyed()));
    }
  }
}
