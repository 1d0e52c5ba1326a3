package dev.unideploy.pipeline.job;

import dev.unideploy.pipeline.config.DeployConfig;
import dev.unideploy.pipeline.events.EventSink;
import dev.unideploy.pipeline.rollout.Cancellation;
import dev.unideploy.pipeline.rollout.HealthGate;
import dev.unideploy.pipeline.rollout.HistoryResult;
import dev.unideploy.pipeline.rollout.InstanceReport;
import dev.unideploy.pipeline.rollout.RolloutClock;
import dev.unideploy.pipeline.rollout.RolloutJournal;
import dev.unideploy.pipeline.rollout.RolloutRecord;
import dev.unideploy.pipeline.rollout.RolloutSummary;
import dev.unideploy.pipeline.rollout.StatusResult;
import dev.unideploy.pipeline.spi.Fleet;
import dev.unideploy.pipeline.spi.InstanceState;
import dev.unideploy.pipeline.spi.Provider;
import dev.unideploy.pipeline.spi.ServerGroup;
import dev.unideploy.pipeline.state.JournalEntry;
import dev.unideploy.pipeline.state.StateStore;
import dev.unideploy.pipeline.state.StateStores;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * {@code unideploy status} and {@code unideploy history}: read-only looks at an app's groups and
 * its journal. They take no lock and write nothing, so they can run beside a deploy.
 */
public final class StatusJob {
  private final Provider provider;
  private final DeployConfig config;
  private final EventSink events;
  private final Clock clock;

  public StatusJob(Provider provider, DeployConfig config, EventSink events, Clock clock) {
    this.provider = provider;
    this.config = config;
    this.events = events;
    this.clock = clock;
  }

  public StatusResult status() {
    String app = config.requireApp();
    Fleet fleet = provider.fleet(JobSession.browsingContext(provider, config, events, clock));
    HealthGate gate =
        new HealthGate(
            fleet,
            config.health(),
            config.deploy().firstPort(),
            events,
            RolloutClock.system(),
            new Cancellation());
    List<ServerGroup> groups = fleet.serverGroups(app);
    List<StatusResult.GroupStatus> out = new ArrayList<>();
    for (ServerGroup g : groups) {
      List<InstanceState> states = fleet.instances(g);
      List<InstanceReport> reports = states.isEmpty() ? List.of() : gate.look(g);
      List<StatusResult.InstanceStatus> instances = new ArrayList<>();
      int healthy = 0;
      for (int i = 0; i < states.size(); i++) {
        InstanceState s = states.get(i);
        InstanceReport r = i < reports.size() ? reports.get(i) : null;
        String health = r == null ? "unknown" : r.state();
        if (health.equals("healthy")) {
          healthy++;
        }
        instances.add(
            new StatusResult.InstanceStatus(
                s.id(),
                lower(s.lifecycle()),
                lower(s.traffic()),
                health,
                r == null ? s.reason() : r.detail()));
      }
      out.add(
          new StatusResult.GroupStatus(
              g.name(),
              g.version(),
              g.imageId(),
              g.desiredSize(),
              g.inService(),
              healthy,
              g.createdAt(),
              instances,
              g.attributes()));
    }
    StateStore store = StateStores.open(config);
    List<RolloutRecord> records = RolloutJournal.records(journal(store));
    Optional<RolloutRecord> last =
        records.isEmpty() ? Optional.empty() : Optional.of(records.get(records.size() - 1));
    return new StatusResult(
        provider.name(),
        app,
        groups.stream().filter(ServerGroup::inService).map(ServerGroup::name).toList(),
        RolloutSession.endpoint(groups),
        out,
        store.lockHolder(app).orElse(null),
        last.filter(r -> !r.finished()).map(RolloutSummary::of).orElse(null),
        last.filter(RolloutRecord::finished).map(RolloutSummary::of).orElse(null),
        store.location());
  }

  /** The app's rollouts, newest first; {@code limit} of them (0 for all). */
  public HistoryResult history(int limit) {
    String app = config.requireApp();
    provider.validate(config);
    List<RolloutRecord> records = RolloutJournal.records(journal(StateStores.open(config)));
    List<RolloutSummary> out = new ArrayList<>();
    for (int i = records.size() - 1; i >= 0 && (limit <= 0 || out.size() < limit); i--) {
      out.add(RolloutSummary.of(records.get(i)));
    }
    return new HistoryResult(provider.name(), app, out);
  }

  private List<JournalEntry> journal(StateStore store) {
    return store.readJournal(config.requireApp() + "-" + provider.name());
  }

  private static String lower(Enum<?> e) {
    return e.name().toLowerCase(Locale.ROOT).replace('_', '-');
  }
}
