package dev.unideploy.pipeline.rollout;

import java.util.List;

/** What {@code unideploy history} shows: the app's rollouts on one provider, newest first. */
public record HistoryResult(String provider, String app, List<RolloutSummary> rollouts) {
  public HistoryResult {
    rollouts = List.copyOf(rollouts);
  }
}
