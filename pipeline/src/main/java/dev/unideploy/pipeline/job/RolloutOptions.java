package dev.unideploy.pipeline.job;

import dev.unideploy.pipeline.rollout.Cancellation;
import dev.unideploy.pipeline.rollout.RolloutClock;

/**
 * How a command that rolls out runs: for real or as a plan only, and how it can be stopped.
 *
 * @param dryRun only plan: nothing is published, created, attached or removed
 * @param cancellation set by the caller (Ctrl-C) to stop and roll back
 * @param clock how the rollout waits (tests pass a fake)
 */
public record RolloutOptions(boolean dryRun, Cancellation cancellation, RolloutClock clock) {

  public static RolloutOptions defaults() {
    return new RolloutOptions(false, new Cancellation(), RolloutClock.system());
  }

  public RolloutOptions withDryRun(boolean v) {
    return new RolloutOptions(v, cancellation, clock);
  }
}
