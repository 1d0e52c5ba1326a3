package dev.unideploy.pipeline.rollout;

import dev.unideploy.pipeline.UnideployException;
import dev.unideploy.pipeline.config.DeploySettings;
import dev.unideploy.pipeline.spi.ServerGroup;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;

/**
 * Turns the fleet as it is and the {@code deploy} settings into a {@link RolloutPlan}: the
 * strategy's steps up to the COMMIT, then retention (earlier groups kept at size 0 up to {@code
 * keepPrevious}, older ones destroyed). Every plan puts the new group in service before any old
 * group leaves it, so the app always has a healthy group in service.
 */
public final class RolloutPlanner {
  private RolloutPlanner() {}

  /**
   * The plan to deploy {@code imageId} as release {@code version}.
   *
   * @param groups the app's groups now
   * @param usedNames group names earlier rollouts used (from the journal): never reused
   */
  public static RolloutPlan deploy(
      String id,
      String app,
      String version,
      String imageId,
      DeploySettings settings,
      List<ServerGroup> groups,
      Set<String> usedNames) {
    int n = settings.instances();
    if (n < 1) {
      throw new UnideployException(
          "deploy.instances is " + n + ": a release needs at least one instance to serve");
    }
    List<ServerGroup> all = new ArrayList<>(groups);
    String target = GroupNames.next(app, all, usedNames);
    List<ServerGroup> serving = all.stream().filter(ServerGroup::inService).toList();
    List<Step> steps = new ArrayList<>();
    switch (settings.strategy()) {
      case BLUE_GREEN -> blueGreen(steps, target, n, settings);
      case CANARY -> canary(steps, target, settings.canarySizes(n), settings);
      case ROLLING -> new RollingSteps(settings, n).plan(steps, target, serving);
    }
    for (ServerGroup g : serving) {
      steps.add(Step.detach(g.name()));
    }
    steps.add(Step.commit());
    steps.addAll(retention(all, settings.keepPrevious()));
    return new RolloutPlan(
        id,
        RolloutPlan.Kind.DEPLOY,
        app,
        version,
        imageId,
        settings.strategy(),
        target,
        n,
        true,
        settings.ports(),
        all.stream().map(GroupBefore::of).toList(),
        steps);
  }

  /**
   * The plan to put the kept group {@code target} back in service at {@code size} instances and
   * take the serving groups out (kept at size 0, so the release rolled back from can be restored
   * the same way). Nothing is destroyed.
   */
  public static RolloutPlan rollback(
      String id, String app, ServerGroup target, int size, List<ServerGroup> groups) {
    List<Step> steps = new ArrayList<>();
    List<ServerGroup> serving =
        groups.stream().filter(g -> g.inService() && !g.name().equals(target.name())).toList();
    if (target.desiredSize() != size) {
      steps.add(Step.resize(target.name(), size));
    }
    steps.add(Step.gate(target.name(), size, target.inService()));
    steps.add(Step.attach(target.name()));
    steps.add(Step.gate(target.name(), size, true));
    for (ServerGroup g : serving) {
      steps.add(Step.detach(g.name()));
    }
    steps.add(Step.commit());
    for (ServerGroup g : serving) {
      steps.add(Step.resize(g.name(), 0));
    }
    return new RolloutPlan(
        id,
        RolloutPlan.Kind.ROLLBACK,
        app,
        target.version(),
        target.imageId(),
        DeploySettings.Strategy.BLUE_GREEN,
        target.name(),
        size,
        false,
        List.of(),
        groups.stream().map(GroupBefore::of).toList(),
        steps);
  }

  private static void blueGreen(List<Step> steps, String target, int n, DeploySettings s) {
    steps.add(Step.create(target, n));
    steps.add(Step.gate(target, n, false));
    steps.add(Step.attach(target));
    steps.add(Step.gate(target, n, true));
    bake(steps, target, n, s);
  }

  private static void canary(
      List<Step> steps, String target, List<Integer> sizes, DeploySettings s) {
    int first = sizes.get(0);
    steps.add(Step.create(target, first));
    steps.add(Step.gate(target, first, false));
    steps.add(Step.attach(target));
    steps.add(Step.gate(target, first, true));
    bake(steps, target, first, s);
    for (int size : sizes.subList(1, sizes.size())) {
      steps.add(Step.resize(target, size));
      steps.add(Step.gate(target, size, true));
      bake(steps, target, size, s);
    }
  }

  static void bake(List<Step> steps, String group, int size, DeploySettings s) {
    if (!s.bake().isZero()) {
      steps.add(Step.bake(group, size, s.bake()));
    }
  }

  /**
   * After the commit: the groups that were there before are out of service now; the newest {@code
   * keep} stay at size 0 as rollback targets, the others are destroyed.
   */
  static List<Step> retention(List<ServerGroup> before, int keep) {
    List<ServerGroup> newestFirst =
        before.stream()
            .sorted(
                Comparator.comparing(ServerGroup::createdAt)
                    .thenComparing(ServerGroup::name)
                    .reversed())
            .toList();
    List<Step> steps = new ArrayList<>();
    for (int i = 0; i < newestFirst.size(); i++) {
      ServerGroup g = newestFirst.get(i);
      if (i < keep) {
        if (g.desiredSize() > 0 || g.inService()) {
          steps.add(Step.resize(g.name(), 0));
        }
      } else {
        // Groups that served were detached before the commit.
        steps.add(Step.destroy(g.name()));
      }
    }
    return steps;
  }
}
