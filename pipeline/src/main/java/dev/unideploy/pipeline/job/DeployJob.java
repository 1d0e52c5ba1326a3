package dev.unideploy.pipeline.job;

import dev.unideploy.image.DiskImage;
import dev.unideploy.pipeline.config.DeployConfig;
import dev.unideploy.pipeline.convert.ImageOpener;
import dev.unideploy.pipeline.events.EventSink;
import dev.unideploy.pipeline.publish.PublishResult;
import dev.unideploy.pipeline.rollout.DeployResult;
import dev.unideploy.pipeline.rollout.Outcome;
import dev.unideploy.pipeline.rollout.RolloutJournal;
import dev.unideploy.pipeline.rollout.RolloutPlan;
import dev.unideploy.pipeline.rollout.RolloutPlanner;
import dev.unideploy.pipeline.rollout.RolloutRecord;
import dev.unideploy.pipeline.rollout.Rollouts;
import dev.unideploy.pipeline.spi.Fleet;
import dev.unideploy.pipeline.spi.Provider;
import dev.unideploy.pipeline.spi.ProviderContext;
import dev.unideploy.pipeline.spi.ServerGroup;
import dev.unideploy.pipeline.state.StateStores;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Optional;

/**
 * {@code unideploy deploy}: publishes the image (verified first), then rolls it out as a new server
 * group with the configured strategy, inside one lock and journal. An interrupted earlier rollout
 * is finished first: continued when it was this same release, rolled back otherwise.
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
    return run(options, RolloutOptions.defaults());
  }

  public DeployResult run(PublishJob.Options options, RolloutOptions rollout) throws IOException {
    if (rollout.dryRun()) {
      return dryRun();
    }
    Path imageFile = PublishJob.imageFile(config);
    try (JobSession session =
            JobSession.open(provider, config, events, clock, options.forceUnlock());
        DiskImage disk = ImageOpener.openForCopy(imageFile, options.format())) {
      PublishResult published =
          new PublishJob(provider, config, events, clock)
              .publish(session, disk, imageFile, options);
      ProviderContext context = session.context();
      RolloutSession rs = new RolloutSession(provider.fleet(context), session, config, rollout);
      Rollouts.Deployed d =
          rs.rollouts.deploy(
              rs.newId(), config.versionOrDefault(), published.image().id(), config.deploy());
      if (d.outcome() == null) {
        return new DeployResult(
            provider.name(),
            config.requireApp(),
            config.versionOrDefault(),
            config.deploy().strategy().cliName(),
            DeployResult.UNCHANGED,
            null,
            d.unchanged().name(),
            null,
            null,
            List.of(),
            List.of(),
            List.of(),
            RolloutSession.endpoint(rs.groups()),
            List.of(),
            d.resumed(),
            published,
            session.store().location());
      }
      return result(rs, d.outcome(), published, d.resumed(), session);
    }
  }

  private DeployResult result(
      RolloutSession rs,
      Outcome o,
      PublishResult published,
      dev.unideploy.pipeline.rollout.RolloutSummary resumed,
      JobSession session) {
    RolloutPlan p = o.plan();
    boolean ok = o.status() == Outcome.Status.DEPLOYED;
    return new DeployResult(
        provider.name(),
        p.app(),
        p.version(),
        p.strategy().cliName(),
        ok ? DeployResult.DEPLOYED : DeployResult.ROLLED_BACK,
        p.id(),
        p.target(),
        p.previous().isEmpty() ? null : p.previous().get(p.previous().size() - 1),
        o.reason(),
        o.instances(),
        o.kept(),
        o.destroyed(),
        RolloutSession.endpoint(rs.groups()),
        p.describe(),
        resumed,
        published,
        session.store().location());
  }

  /** The plan, from the fleet as it is, without publishing or changing anything. */
  private DeployResult dryRun() {
    ProviderContext context = JobSession.browsingContext(provider, config, events, clock);
    Fleet fleet = provider.fleet(context);
    String app = config.requireApp();
    var entries = StateStores.open(config).readJournal(app + "-" + provider.name());
    Optional<RolloutRecord> open = RolloutJournal.unfinished(entries);
    List<ServerGroup> groups = fleet.serverGroups(app);
    String image = "(the image published from " + PublishJob.imageFile(config).getFileName() + ")";
    RolloutPlan plan =
        RolloutPlanner.deploy(
            "dry-run",
            app,
            config.versionOrDefault(),
            image,
            config.deploy(),
            groups,
            RolloutJournal.groupNames(entries));
    List<String> lines = new java.util.ArrayList<>();
    lines.add("publish " + PublishJob.imageFile(config) + " (skipped when already published)");
    open.ifPresent(
        r ->
            lines.add(
                "first finish the interrupted rollout of "
                    + r.plan().target()
                    + " (continued if it is this release and not failed, else rolled back)"));
    lines.addAll(plan.describe());
    return new DeployResult(
        provider.name(),
        app,
        plan.version(),
        plan.strategy().cliName(),
        DeployResult.DRY_RUN,
        null,
        plan.target(),
        plan.previous().isEmpty() ? null : plan.previous().get(plan.previous().size() - 1),
        null,
        List.of(),
        List.of(),
        List.of(),
        RolloutSession.endpoint(groups),
        lines,
        open.map(dev.unideploy.pipeline.rollout.RolloutSummary::of).orElse(null),
        null,
        StateStores.open(config).location());
  }
}
