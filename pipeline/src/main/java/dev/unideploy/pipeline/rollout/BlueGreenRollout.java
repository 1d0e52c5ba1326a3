package dev.unideploy.pipeline.rollout;

import dev.unideploy.pipeline.config.DeploySettings;
import dev.unideploy.pipeline.events.EventSink;
import dev.unideploy.pipeline.events.LogEvent;
import dev.unideploy.pipeline.publish.StepRunner;
import dev.unideploy.pipeline.spi.Fleet;
import dev.unideploy.pipeline.spi.ServerGroup;
import dev.unideploy.pipeline.spi.ServerGroupSpec;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Blue-green through the {@link Fleet} SPI: a new group at full size, not in service; a health
 * gate; then it goes in service and the old group leaves it, kept at size 0 for {@code
 * keepPrevious} releases so that a rollback is instant. If the new group does not become healthy it
 * is destroyed and the old one never stopped serving.
 */
public final class BlueGreenRollout {
  private final Fleet fleet;
  private final HealthGate gate;
  private final StepRunner steps;
  private final EventSink events;

  public BlueGreenRollout(Fleet fleet, HealthGate gate, StepRunner steps, EventSink events) {
    this.fleet = fleet;
    this.gate = gate;
    this.steps = steps;
    this.events = events;
  }

  /** The outcome of a rollout, before the deploy adds what it published. */
  public record Outcome(
      String group,
      String previous,
      List<InstanceReport> instances,
      List<String> kept,
      List<String> destroyed) {}

  public Outcome run(
      String app, String version, String imageId, DeploySettings deploy, List<Integer> ports) {
    List<ServerGroup> before = fleet.serverGroups(app);
    String name = GroupNames.next(app, before);
    String previous =
        before.stream()
            .filter(ServerGroup::inService)
            .map(ServerGroup::name)
            .reduce((a, b) -> b)
            .orElse(null);
    ServerGroup group =
        steps.run(
            "create",
            "starting " + deploy.instances() + " instance(s) of " + imageId + " as " + name,
            () ->
                fleet.create(
                    new ServerGroupSpec(app, name, version, imageId, deploy.instances(), ports)));
    List<InstanceReport> healthy;
    try {
      healthy =
          steps.run(
              "gate",
              "waiting until " + name + " is healthy",
              () -> gate.await(group, deploy.instances()));
    } catch (RuntimeException e) {
      events.emit(LogEvent.warn("rollback", name + " did not become healthy: destroying it"));
      steps.run(
          "rollback",
          "destroying " + name + (previous == null ? "" : "; " + previous + " keeps serving"),
          () -> {
            fleet.destroy(group);
            return null;
          });
      throw e;
    }
    steps.run(
        "attach",
        "putting " + name + " in service",
        () -> {
          fleet.attach(group);
          return null;
        });
    List<String> kept = new ArrayList<>();
    List<String> destroyed = new ArrayList<>();
    List<ServerGroup> older =
        before.stream().sorted(Comparator.comparing(ServerGroup::name).reversed()).toList();
    for (int i = 0; i < older.size(); i++) {
      ServerGroup old = older.get(i);
      boolean keep = i < deploy.keepPrevious();
      steps.run(
          keep ? "keep-previous" : "retire-group",
          (keep ? "taking " + old.name() + " out of service (kept at size 0)" : "removing ")
              + (keep ? "" : old.name()),
          () -> {
            fleet.detach(old);
            if (keep) {
              fleet.resize(old, 0);
            } else {
              fleet.destroy(old);
            }
            return null;
          });
      (keep ? kept : destroyed).add(old.name());
    }
    return new Outcome(name, previous, healthy, kept, destroyed);
  }
}
