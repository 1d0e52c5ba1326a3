package dev.unideploy.pipeline.rollout;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * How a rollout ended.
 *
 * @param reason why it rolled back (null when it deployed)
 * @param instances the target group's instances as its last health check saw them; after a
 *     rollback, the instances that failed, with their console tails
 */
public record Outcome(
    RolloutPlan plan, Status status, String reason, List<InstanceReport> instances) {

  public Outcome {
    instances = List.copyOf(instances);
  }

  /** The end states of a rollout. */
  public enum Status {
    /** The target serves and the old groups are out of service. */
    DEPLOYED,
    /** It failed and everything was put back as it was. */
    ROLLED_BACK;

    public String word() {
      return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    static Status parse(String word) {
      return valueOf(word.toUpperCase(Locale.ROOT).replace('-', '_'));
    }
  }

  /** Groups the plan keeps out of service at size 0 after the commit. */
  public List<String> kept() {
    List<String> out = new ArrayList<>();
    if (status != Status.DEPLOYED) {
      return out;
    }
    List<String> destroyed = destroyed();
    for (GroupBefore g : plan.before()) {
      if (!g.name().equals(plan.target()) && !destroyed.contains(g.name())) {
        out.add(g.name());
      }
    }
    return out;
  }

  /** Groups the plan destroys after the commit. */
  public List<String> destroyed() {
    if (status != Status.DEPLOYED) {
      return List.of();
    }
    List<Step> steps = plan.steps();
    return steps.subList(plan.commitIndex(), steps.size()).stream()
        .filter(s -> s.action() == Step.Action.DESTROY)
        .map(Step::group)
        .toList();
  }
}
