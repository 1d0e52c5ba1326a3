package dev.unideploy.pipeline.rollout;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The steps that undo a rollout that has not committed: first every group that served before is
 * brought back to its size, proven healthy and put in service (so the app is never left without a
 * healthy group), then the groups that did not serve before leave service and go back to what they
 * were: destroyed if the rollout created them, resized if it only resized them.
 */
final class RollbackPlanner {
  private RollbackPlanner() {}

  /**
   * @param started indexes of the forward steps that began (finished or not): only the groups they
   *     touched need undoing
   */
  static List<Step> plan(RolloutPlan plan, Set<Integer> started) {
    Set<String> touched = new LinkedHashSet<>();
    Set<String> shrunkOrDetached = new LinkedHashSet<>();
    for (int i : started) {
      if (i < 0 || i >= plan.steps().size()) {
        continue;
      }
      Step s = plan.steps().get(i);
      if (s.changesFleet()) {
        touched.add(s.group());
        if (s.action() == Step.Action.RESIZE || s.action() == Step.Action.DETACH) {
          shrunkOrDetached.add(s.group());
        }
      }
    }
    List<Step> steps = new ArrayList<>();
    for (GroupBefore g : plan.before()) {
      if (g.inService() && shrunkOrDetached.contains(g.name())) {
        steps.add(Step.resize(g.name(), g.size()));
        steps.add(Step.gate(g.name(), g.size(), false));
        steps.add(Step.attach(g.name()));
        steps.add(Step.gate(g.name(), g.size(), true));
      }
    }
    for (String name : touched) {
      var before = plan.before(name);
      if (before.isPresent() && before.get().inService()) {
        continue;
      }
      steps.add(Step.detach(name));
      if (before.isEmpty()) {
        steps.add(Step.destroy(name));
      } else {
        steps.add(Step.resize(name, before.get().size()));
      }
    }
    return steps;
  }
}
