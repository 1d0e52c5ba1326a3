package dev.unideploy.pipeline.rollout;

import dev.unideploy.pipeline.UnideployException;
import dev.unideploy.pipeline.config.DeploySettings;
import dev.unideploy.pipeline.events.EventSink;
import dev.unideploy.pipeline.events.LogEvent;
import dev.unideploy.pipeline.spi.Fleet;
import dev.unideploy.pipeline.spi.ServerGroup;
import dev.unideploy.pipeline.state.Journal;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * The decisions of {@code deploy} and {@code rollback} over one app's fleet and journal: finish
 * what an interrupted run left, skip a release that already serves, plan and run the rollout.
 */
public final class Rollouts {
  private final Fleet fleet;
  private final RolloutEngine engine;
  private final Journal journal;
  private final String app;
  private final EventSink events;

  public Rollouts(
      Fleet fleet, RolloutEngine engine, Journal journal, String app, EventSink events) {
    this.fleet = fleet;
    this.engine = engine;
    this.journal = journal;
    this.app = app;
    this.events = events;
  }

  /**
   * What a deploy did.
   *
   * @param outcome the rollout's end, or null when the release already served ({@code unchanged})
   * @param unchanged the group that already served this release
   * @param resumed what an interrupted earlier rollout became first, or null
   */
  public record Deployed(Outcome outcome, ServerGroup unchanged, RolloutSummary resumed) {}

  /** Deploys {@code imageId} as {@code version}. */
  public Deployed deploy(String id, String version, String imageId, DeploySettings settings) {
    Optional<Resumed> resumed =
        finishUnfinished(
            r ->
                r.plan().kind() == RolloutPlan.Kind.DEPLOY
                    && r.plan().version().equals(version)
                    && imageId.equals(r.plan().imageId()),
            settings);
    RolloutSummary summary = resumed.map(Resumed::summary).orElse(null);
    if (resumed.isPresent() && resumed.get().sameRelease()) {
      // The earlier run was this deploy: what it became is this run's result.
      return new Deployed(resumed.get().outcome(), null, null);
    }
    List<ServerGroup> groups = fleet.serverGroups(app);
    List<ServerGroup> serving = groups.stream().filter(ServerGroup::inService).toList();
    if (serving.size() == 1
        && version.equals(serving.get(0).version())
        && imageId.equals(serving.get(0).imageId())
        && serving.get(0).desiredSize() == settings.instances()) {
      events.emit(
          LogEvent.info(
              "rollout", serving.get(0).name() + " already serves " + version + ": nothing to do"));
      return new Deployed(null, serving.get(0), summary);
    }
    RolloutPlan plan =
        RolloutPlanner.deploy(
            id,
            app,
            version,
            imageId,
            settings,
            groups,
            RolloutJournal.groupNames(journal.entries()));
    return new Deployed(engine.run(plan, settings.timeout()), null, summary);
  }

  /**
   * What a rollback did.
   *
   * @param outcome the rollback rollout's end, or null when undoing an interrupted rollout was the
   *     whole rollback
   * @param resumed the interrupted rollout finished first, or null
   */
  public record RolledBack(Outcome outcome, RolloutSummary resumed, Outcome resumedOutcome) {}

  /** Returns to {@code toVersion}, or to the newest kept group before the serving one when null. */
  public RolledBack rollback(String id, String toVersion, DeploySettings settings) {
    Optional<Resumed> resumed = finishUnfinished(r -> false, settings);
    RolloutSummary summary = resumed.map(Resumed::summary).orElse(null);
    if (resumed.isPresent()
        && resumed.get().outcome().status() == Outcome.Status.ROLLED_BACK
        && toVersion == null) {
      // The interrupted rollout never committed: undoing it was the rollback asked for.
      return new RolledBack(null, summary, resumed.get().outcome());
    }
    RolloutPlan plan = rollbackPlan(id, fleet.serverGroups(app), toVersion, settings);
    return new RolledBack(engine.run(plan, settings.timeout()), summary, null);
  }

  /** The plan {@link #rollback} would run now (for {@code --dry-run}). */
  public RolloutPlan rollbackPlan(
      String id, List<ServerGroup> groups, String toVersion, DeploySettings settings) {
    List<ServerGroup> serving = groups.stream().filter(ServerGroup::inService).toList();
    int size =
        serving.isEmpty()
            ? settings.instances()
            : serving.stream().mapToInt(ServerGroup::desiredSize).max().orElse(1);
    Optional<ServerGroup> target = target(groups, serving, toVersion);
    if (target.isPresent()) {
      return RolloutPlanner.rollback(id, app, target.get(), Math.max(1, size), groups);
    }
    if (toVersion == null) {
      throw new UnideployException(
          "nothing to roll back to: no earlier group of "
              + app
              + " is kept (deploy.keepPrevious is "
              + settings.keepPrevious()
              + "); pass --to VERSION to deploy an earlier release's image again");
    }
    RolloutPlan earlier =
        imageOf(toVersion)
            .orElseThrow(
                () ->
                    new UnideployException(
                        "no group of version "
                            + toVersion
                            + " is kept and the journal knows no image for it: deploy it again"
                            + " with unideploy deploy --version "
                            + toVersion
                            + " --image FILE (unideploy history lists the versions)"));
    events.emit(
        LogEvent.info(
            "rollback",
            "no group of "
                + toVersion
                + " is kept: deploying its image "
                + earlier.imageId()
                + " again"));
    RolloutPlan p =
        RolloutPlanner.deploy(
            id,
            app,
            toVersion,
            earlier.imageId(),
            settings,
            groups,
            RolloutJournal.groupNames(journal.entries()));
    return new RolloutPlan(
        p.id(),
        RolloutPlan.Kind.ROLLBACK,
        p.app(),
        p.version(),
        p.imageId(),
        p.strategy(),
        p.target(),
        p.targetSize(),
        true,
        earlier.guestPorts(),
        p.before(),
        p.steps());
  }

  /** The kept group to return to: the version's newest, or the newest before the serving one. */
  private static Optional<ServerGroup> target(
      List<ServerGroup> groups, List<ServerGroup> serving, String toVersion) {
    Comparator<ServerGroup> age =
        Comparator.comparing(ServerGroup::createdAt).thenComparing(ServerGroup::name);
    if (toVersion != null) {
      return groups.stream()
          .filter(g -> toVersion.equals(g.version()))
          .filter(g -> !(g.inService() && serving.size() == 1))
          .max(age);
    }
    Optional<ServerGroup> current = serving.stream().max(age);
    return groups.stream()
        .filter(g -> !g.inService())
        .filter(g -> current.isEmpty() || age.compare(g, current.get()) < 0)
        .max(age);
  }

  /** The newest plan that created a group of {@code version}: its image can be deployed again. */
  private Optional<RolloutPlan> imageOf(String version) {
    List<RolloutRecord> all = RolloutJournal.records(journal.entries());
    for (int i = all.size() - 1; i >= 0; i--) {
      RolloutPlan p = all.get(i).plan();
      if (p.version().equals(version) && p.imageId() != null && p.created()) {
        return Optional.of(p);
      }
    }
    return Optional.empty();
  }

  /** An earlier rollout that this run finished. */
  record Resumed(Outcome outcome, RolloutSummary summary, boolean sameRelease) {}

  private Optional<Resumed> finishUnfinished(
      java.util.function.Predicate<RolloutRecord> sameRelease, DeploySettings settings) {
    Optional<RolloutRecord> open = RolloutJournal.unfinished(journal.entries());
    if (open.isEmpty()) {
      return Optional.empty();
    }
    RolloutRecord r = open.get();
    boolean same = sameRelease.test(r);
    Outcome o = engine.resume(r, same, settings.timeout());
    RolloutRecord after =
        RolloutJournal.records(journal.entries()).stream()
            .filter(x -> x.plan().id().equals(r.plan().id()))
            .findFirst()
            .orElse(r);
    return Optional.of(new Resumed(o, RolloutSummary.of(after), same));
  }
}
