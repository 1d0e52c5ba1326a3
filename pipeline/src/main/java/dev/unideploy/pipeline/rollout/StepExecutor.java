package dev.unideploy.pipeline.rollout;

import dev.unideploy.pipeline.UnideployException;
import dev.unideploy.pipeline.spi.Fleet;
import dev.unideploy.pipeline.spi.ServerGroup;
import dev.unideploy.pipeline.spi.ServerGroupSpec;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Runs one {@link Step} against the {@link Fleet}. Groups are looked up by name before each step
 * (providers keep ids in the group's attributes), and a step on a group that is gone is done when
 * it would have removed the group anyway; a destroy still reaches the provider then, for what it
 * made for the group before the group itself.
 */
final class StepExecutor {
  private final Fleet fleet;
  private final RolloutPlan plan;

  StepExecutor(Fleet fleet, RolloutPlan plan) {
    this.fleet = fleet;
    this.plan = plan;
  }

  /** Runs the step; gates and bakes return what they saw, other steps an empty list. */
  List<InstanceReport> run(Step step, HealthGate gate, long deadlineNanos) {
    switch (step.action()) {
      case CREATE -> {
        Optional<ServerGroup> made = find(step.group());
        if (made.isPresent()) {
          // A run killed while creating it left the group with fewer instances than asked for
          // (providers record a group before its instances start): complete it, or the gate would
          // wait for instances that nobody starts until its deadline.
          if (made.get().desiredSize() < step.size()) {
            fleet.resize(made.get(), step.size());
          }
        } else {
          fleet.create(
              new ServerGroupSpec(
                  plan.app(),
                  step.group(),
                  plan.version(),
                  plan.imageId(),
                  step.size(),
                  plan.guestPorts()));
        }
      }
      case GATE -> {
        return gate.await(require(step), step.size(), step.traffic(), deadlineNanos);
      }
      case BAKE -> {
        return gate.bake(require(step), step.size(), step.bake());
      }
      case ATTACH -> fleet.attach(require(step));
      case RESIZE -> fleet.resize(require(step), step.size());
      case DETACH -> find(step.group()).ifPresent(fleet::detach);
      case DESTROY -> fleet.destroy(find(step.group()).orElseGet(() -> absent(step.group())));
      case COMMIT -> {}
    }
    return List.of();
  }

  private Optional<ServerGroup> find(String name) {
    return fleet.serverGroups(plan.app()).stream().filter(g -> g.name().equals(name)).findFirst();
  }

  /**
   * A group the fleet does not list: gone already, or never made because its create failed or was
   * killed after the provider had made what the group launches from (a launch or instance
   * template). Destroying it still removes those; for the group itself gone is done.
   */
  private ServerGroup absent(String name) {
    return new ServerGroup(name, plan.app(), null, null, 0, false, Instant.EPOCH, Map.of());
  }

  private ServerGroup require(Step step) {
    return find(step.group())
        .orElseThrow(
            () ->
                new UnideployException(
                    "server group "
                        + step.group()
                        + " is gone, so the step '"
                        + step.describe()
                        + "' cannot run: was it deleted outside unideploy?"));
  }
}
