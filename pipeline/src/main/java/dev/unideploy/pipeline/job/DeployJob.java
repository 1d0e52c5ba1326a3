package dev.unideploy.pipeline.job;

import dev.unideploy.image.DiskImage;
import dev.unideploy.pipeline.UnideployException;
import dev.unideploy.pipeline.config.DeployConfig;
import dev.unideploy.pipeline.config.DeploySettings;
import dev.unideploy.pipeline.convert.ImageOpener;
import dev.unideploy.pipeline.events.EventSink;
import dev.unideploy.pipeline.publish.PublishResult;
import dev.unideploy.pipeline.publish.StepRunner;
import dev.unideploy.pipeline.rollout.BlueGreenRollout;
import dev.unideploy.pipeline.rollout.DeployResult;
import dev.unideploy.pipeline.rollout.HealthGate;
import dev.unideploy.pipeline.spi.Fleet;
import dev.unideploy.pipeline.spi.Provider;
import dev.unideploy.pipeline.spi.ProviderContext;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;

/**
 * {@code unideploy deploy}: publishes the image (verified first), then rolls it out as a new server
 * group through the provider's {@link Fleet}, health-gated, inside one lock and journal.
 */
public final class DeployJob {
  private final Provider provider;
  private final DeployConfig config;
  private final EventSink events;
  private final Clock clock;

  public DeployJob(Provider provider, DeployConfig config, EventSink events, Clock clock) {
    this.provider = provider;
    this.config = config;
    this.events = events;
    this.clock = clock;
  }

  public DeployResult run(PublishJob.Options options) throws IOException {
    DeploySettings deploy = config.deploy();
    if (deploy.strategy() != DeploySettings.Strategy.BLUE_GREEN) {
      throw new UnideployException(
          "strategy "
              + deploy.strategy().cliName()
              + " is not available in this version: use blue-green");
    }
    Path imageFile = PublishJob.imageFile(config);
    try (JobSession session =
            JobSession.open(provider, config, events, clock, options.forceUnlock());
        DiskImage disk = ImageOpener.openForCopy(imageFile, options.format())) {
      PublishResult published =
          new PublishJob(provider, config, events, clock)
              .publish(session, disk, imageFile, options);
      ProviderContext context = session.context();
      Fleet fleet = provider.fleet(context);
      HealthGate gate =
          new HealthGate(
              fleet, config.health(), deploy.firstPort(), events, d -> Thread.sleep(d.toMillis()));
      BlueGreenRollout.Outcome o =
          new BlueGreenRollout(
                  fleet, gate, new StepRunner(events, context.journal(), clock), events)
              .run(
                  config.requireApp(),
                  config.versionOrDefault(),
                  published.image().id(),
                  deploy,
                  deploy.ports());
      return new DeployResult(
          provider.name(),
          config.requireApp(),
          config.versionOrDefault(),
          deploy.strategy().cliName(),
          o.group(),
          o.previous(),
          o.instances(),
          o.kept(),
          o.destroyed(),
          published,
          session.store().location());
    }
  }
}
