package dev.unideploy.pipeline.job;

import dev.unideploy.pipeline.config.DeployConfig;
import dev.unideploy.pipeline.events.EventSink;
import dev.unideploy.pipeline.rollout.Outcome;
import dev.unideploy.pipeline.rollout.RollbackResult;
import dev.unideploy.pipeline.rollout.RolloutEngine;
import dev.unideploy.pipeline.rollout.RolloutJournal;
import dev.unideploy.pipeline.rollout.RolloutPlan;
import dev.unideploy.pipeline.rollout.RolloutRecord;
import dev.unideploy.pipeline.rollout.RolloutSummary;
import dev.unideploy.pipeline.rollout.Rollouts;
import dev.unideploy.pipeline.spi.Fleet;
import dev.unideploy.pipeline.spi.Provider;
import dev.unideploy.pipeline.spi.ProviderContext;
import dev.unideploy.pipeline.spi.ServerGroup;
import dev.unideploy.pipeline.state.JournalEntry;
import dev.unideploy.pipeline.state.MemoryJournal;
import dev.unideploy.pipeline.state.StateStores;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * {@code unideploy rollback [--to VERSION]}: puts a kept earlier group back in service (scaled back
 * up and proven healthy first) and takes the serving one out, kept at size 0. When a rollout was
 * interrupted before it committed, rolling it back is the rollback. When the version's group is
 * gone but the journal knows its image, that image is deployed again as a new group.
 */
public final class RollbackJob {
  private final Provider provider;
  private final DeployConfig config;
  private final EventSink events;
  private final Clock clock;

  public RollbackJob(Provider provider, DeployConfig config, EventSink events, Clock clock) {
    this.provider = provider;
    this.config = config;
    this.events = events;
    this.clock = clock;
  }

  /**
   * @param toVersion the release to return to; null for the newest kept one before the serving one
   */
  public RollbackResult run(String toVersion, boolean forceUnlock, RolloutOptions options) {
    if (options.dryRun()) {
      return dryRun(toVersion);
    }
    try (JobSession session = JobSession.open(provider, config, events, clock, forceUnlock)) {
      RolloutSession rs =
          new RolloutSession(provider.fleet(session.context()), session, config, options);
      Rollouts.RolledBack r = rs.rollouts.rollback(rs.newId(), toVersion, config.deploy());
      String state = session.store().location();
      List<ServerGroup> groups = rs.groups();
      if (r.outcome() == null) {
        RolloutPlan p = r.resumedOutcome().plan();
        ServerGroup serving =
            groups.stream().filter(ServerGroup::inService).reduce((a, b) -> b).orElse(null);
        return new RollbackResult(
            provider.name(),
            p.app(),
            RollbackResult.ROLLED_BACK,
            p.id(),
            serving == null ? null : serving.name(),
            serving == null ? null : serving.version(),
            List.of(p.target()),
            null,
            List.of(),
            RolloutSession.endpoint(groups),
            List.of(),
            r.resumed(),
            state);
      }
      Outcome o = r.outcome();
      RolloutPlan plan = o.plan();
      boolean ok = o.status() == Outcome.Status.DEPLOYED;
      return new RollbackResult(
          provider.name(),
          plan.app(),
          ok ? RollbackResult.ROLLED_BACK : RollbackResult.FAILED,
          plan.id(),
          ok ? plan.target() : plan.previous().stream().reduce((a, b) -> b).orElse(null),
          ok ? plan.version() : null,
          plan.previous(),
          o.reason(),
          o.instances(),
          RolloutSession.endpoint(groups),
          plan.describe(),
          r.resumed(),
          state);
    }
  }

  private RollbackResult dryRun(String toVersion) {
    ProviderContext context = JobSession.browsingContext(provider, config, events, clock);
    Fleet fleet = provider.fleet(context);
    String app = config.requireApp();
    List<JournalEntry> entries = StateStores.open(config).readJournal(app + "-" + provider.name());
    Optional<RolloutRecord> open = RolloutJournal.unfinished(entries);
    List<ServerGroup> groups = fleet.serverGroups(app);
    List<String> lines = new ArrayList<>();
    open.ifPresent(
        r ->
            lines.add(
                (r.committed()
                        ? "finish the clean-up of "
                        : "roll back the interrupted rollout of ")
                    + r.plan().target()));
    RolloutPlan plan = null;
    if (open.isEmpty() || open.get().committed() || toVersion != null) {
      MemoryJournal copy = new MemoryJournal();
      entries.forEach(copy::append);
      // A planner over a copy of the journal: nothing here writes or runs a step.
      Rollouts planner = new Rollouts(fleet, (RolloutEngine) null, copy, app, events);
      plan = planner.rollbackPlan("dry-run", groups, toVersion, config.deploy());
      lines.addAll(plan.describe());
    }
    return new RollbackResult(
        provider.name(),
        app,
        RollbackResult.DRY_RUN,
        null,
        plan == null ? null : plan.target(),
        plan == null ? null : plan.version(),
        plan == null ? List.of() : plan.previous(),
        null,
        List.of(),
        RolloutSession.endpoint(groups),
        lines,
        open.map(RolloutSummary::of).orElse(null),
        StateStores.open(config).location());
  }
}
