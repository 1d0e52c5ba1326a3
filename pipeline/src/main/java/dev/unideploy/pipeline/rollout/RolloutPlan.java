package dev.unideploy.pipeline.rollout;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.unideploy.pipeline.config.DeploySettings;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Everything a rollout will do, decided before it starts and journaled whole, so that a re-run
 * after a crash follows the same plan instead of re-planning from a half-changed fleet.
 *
 * @param id unique id of this rollout in the journal
 * @param kind a deploy of a new release, or a rollback to a kept one
 * @param target the group that serves when the rollout succeeds
 * @param targetSize its size then
 * @param created whether the rollout creates {@code target} (a rollback reuses a kept group)
 * @param before every group of the app as it was when planned: what a rollback restores
 * @param steps the actions, in order; those after the COMMIT step only clean up
 */
public record RolloutPlan(
    @JsonProperty("id") String id,
    @JsonProperty("kind") Kind kind,
    @JsonProperty("app") String app,
    @JsonProperty("version") String version,
    @JsonProperty("imageId") String imageId,
    @JsonProperty("strategy") DeploySettings.Strategy strategy,
    @JsonProperty("target") String target,
    @JsonProperty("targetSize") int targetSize,
    @JsonProperty("created") boolean created,
    @JsonProperty("guestPorts") List<Integer> guestPorts,
    @JsonProperty("before") List<GroupBefore> before,
    @JsonProperty("steps") List<Step> steps) {

  /** Why the rollout runs. */
  public enum Kind {
    DEPLOY,
    ROLLBACK
  }

  public RolloutPlan {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(target, "target");
    guestPorts = guestPorts == null ? List.of() : List.copyOf(guestPorts);
    before = before == null ? List.of() : List.copyOf(before);
    steps = List.copyOf(steps);
  }

  /** The index of the COMMIT step (steps before it roll back on failure). */
  @JsonIgnore
  public int commitIndex() {
    for (int i = 0; i < steps.size(); i++) {
      if (steps.get(i).action() == Step.Action.COMMIT) {
        return i;
      }
    }
    return steps.size();
  }

  /** The groups that were in service when the rollout was planned. */
  @JsonIgnore
  public List<String> previous() {
    return before.stream().filter(GroupBefore::inService).map(GroupBefore::name).toList();
  }

  /** The group's state before the rollout, if it existed then. */
  public Optional<GroupBefore> before(String group) {
    return before.stream().filter(g -> g.name().equals(group)).findFirst();
  }

  /** The plan as lines for {@code --dry-run} and logs. */
  @JsonIgnore
  public List<String> describe() {
    return steps.stream().map(Step::describe).toList();
  }
}
