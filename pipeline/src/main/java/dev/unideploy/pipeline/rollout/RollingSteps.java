package dev.unideploy.pipeline.rollout;

import dev.unideploy.pipeline.UnideployException;
import dev.unideploy.pipeline.config.DeploySettings;
import dev.unideploy.pipeline.spi.ServerGroup;
import java.util.ArrayList;
import java.util.List;

/**
 * The steps of a rolling deploy: capacity moves from the serving groups to the new one in batches.
 * In service there are never more than {@code instances + maxSurge} instances and never fewer
 * healthy ones than {@code max(instances - maxUnavailable, minHealthy, 1)}: the old groups shrink
 * only by what the new one has proven healthy beyond that floor (a resize of a serving group drains
 * the instances it removes).
 */
final class RollingSteps {
  private final DeploySettings settings;
  private final int target;
  private final int surge;
  private final int floor;

  RollingSteps(DeploySettings settings, int target) {
    this.settings = settings;
    this.target = target;
    this.surge = settings.maxSurge().ceilOf(target);
    // At least one: whatever maxUnavailable allows, the app never serves from nothing.
    this.floor =
        Math.max(
            1,
            Math.max(
                target - settings.maxUnavailable().floorOf(target), settings.minHealthyOf(target)));
  }

  void plan(List<Step> steps, String group, List<ServerGroup> serving) {
    List<int[]> old = new ArrayList<>(); // {index in serving, size}, oldest first
    for (int i = 0; i < serving.size(); i++) {
      old.add(new int[] {i, serving.get(i).desiredSize()});
    }
    int oldTotal = old.stream().mapToInt(o -> o[1]).sum();
    int fresh = 0;
    while (fresh < target || oldTotal > 0) {
      // First grow the new group as far as the surge allows, proving each batch healthy.
      int up = Math.max(0, Math.min(target - fresh, target + surge - (fresh + oldTotal)));
      if (up > 0) {
        int size = fresh + up;
        if (fresh == 0) {
          steps.add(Step.create(group, size));
          steps.add(Step.gate(group, size, false));
          steps.add(Step.attach(group));
        } else {
          steps.add(Step.resize(group, size));
        }
        steps.add(Step.gate(group, size, true));
        RolloutPlanner.bake(steps, group, size, settings);
        fresh = size;
      }
      // Then shrink the old ones as far as the floor of healthy instances allows.
      int down = Math.max(0, Math.min(oldTotal, fresh + oldTotal - floor));
      oldTotal -= shrink(steps, serving, old, down);
      if (up == 0 && down == 0) {
        throw new UnideployException(
            "a rolling deploy of "
                + target
                + " instance(s) with maxSurge "
                + settings.maxSurge()
                + ", maxUnavailable "
                + settings.maxUnavailable()
                + " and minHealthy "
                + floor
                + " cannot move any instance while "
                + oldTotal
                + " old one(s) serve: allow a surge (deploy.maxSurge) or lower deploy.minHealthy");
      }
    }
  }

  /** Removes {@code count} instances from the serving groups, oldest group first. */
  private static int shrink(
      List<Step> steps, List<ServerGroup> serving, List<int[]> old, int count) {
    int left = count;
    for (int[] o : old) {
      if (left == 0) {
        break;
      }
      int take = Math.min(left, o[1]);
      if (take > 0) {
        o[1] -= take;
        left -= take;
        steps.add(Step.resize(serving.get(o[0]).name(), o[1]));
      }
    }
    return count - left;
  }
}
