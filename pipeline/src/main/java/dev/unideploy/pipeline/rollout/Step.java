package dev.unideploy.pipeline.rollout;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;

/**
 * One action of a rollout plan, on one server group. Every action is idempotent (the {@link
 * dev.unideploy.pipeline.spi.Fleet} operations are), so a step that a crash interrupted is simply
 * run again.
 *
 * @param size CREATE/RESIZE: the group's new size; GATE/BAKE: how many healthy instances it needs
 * @param traffic GATE/BAKE: the group is in service, so the load balancer must call it healthy too
 * @param bake BAKE: how long the group is watched
 */
@JsonInclude(JsonInclude.Include.NON_DEFAULT)
public record Step(
    @JsonProperty("action") Action action,
    @JsonProperty("group") String group,
    @JsonProperty("size") int size,
    @JsonProperty("traffic") boolean traffic,
    @JsonProperty("bake") Duration bake) {

  /** What a step does. COMMIT marks the point after which a failure no longer rolls back. */
  public enum Action {
    CREATE,
    GATE,
    ATTACH,
    BAKE,
    RESIZE,
    DETACH,
    DESTROY,
    COMMIT
  }

  public Step {
    Objects.requireNonNull(action, "action");
    if (action != Action.COMMIT) {
      Objects.requireNonNull(group, "group");
    }
  }

  public static Step create(String group, int size) {
    return new Step(Action.CREATE, group, size, false, null);
  }

  public static Step gate(String group, int size, boolean traffic) {
    return new Step(Action.GATE, group, size, traffic, null);
  }

  public static Step attach(String group) {
    return new Step(Action.ATTACH, group, 0, false, null);
  }

  public static Step bake(String group, int size, Duration time) {
    return new Step(Action.BAKE, group, size, true, time);
  }

  public static Step resize(String group, int size) {
    return new Step(Action.RESIZE, group, size, false, null);
  }

  public static Step detach(String group) {
    return new Step(Action.DETACH, group, 0, false, null);
  }

  public static Step destroy(String group) {
    return new Step(Action.DESTROY, group, 0, false, null);
  }

  public static Step commit() {
    return new Step(Action.COMMIT, null, 0, false, null);
  }

  /** Whether the step changes the fleet (gates, bakes and the commit marker only look). */
  public boolean changesFleet() {
    return switch (action) {
      case CREATE, ATTACH, RESIZE, DETACH, DESTROY -> true;
      case GATE, BAKE, COMMIT -> false;
    };
  }

  /** One line for plans and progress: {@code create web-v002 with 2 instance(s)}. */
  public String describe() {
    return switch (action) {
      case CREATE -> "create " + group + " with " + size + " instance(s), not in service";
      case GATE ->
          "wait until "
              + size
              + " instance(s) of "
              + group
              + " are healthy"
              + (traffic ? " behind the load balancer" : "");
      case ATTACH -> "put " + group + " in service";
      case BAKE -> "bake " + group + " for " + seconds(bake) + " (watched; a failure rolls back)";
      case RESIZE -> "resize " + group + " to " + size + " instance(s)";
      case DETACH -> "take " + group + " out of service (drained)";
      case DESTROY -> "destroy " + group;
      case COMMIT -> "commit: the new release serves; later steps only clean up";
    };
  }

  /** The action's name as it appears in the journal and in JSON. */
  public String verb() {
    return action.name().toLowerCase(Locale.ROOT);
  }

  private static String seconds(Duration d) {
    return d == null ? "0 s" : d.toSeconds() + " s";
  }
}
