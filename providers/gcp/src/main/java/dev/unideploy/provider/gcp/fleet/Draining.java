package dev.unideploy.provider.gcp.fleet;

import dev.unideploy.pipeline.UnideployException;
import dev.unideploy.pipeline.events.EventSink;
import dev.unideploy.pipeline.events.LogEvent;
import dev.unideploy.pipeline.events.ProgressEvent;
import java.time.Duration;

/**
 * Waits out the backend service's connection draining of a group that just left it. The load
 * balancer lets requests in flight to a removed backend finish for the draining timeout, but only
 * while the instances live: a resize to 0 or a delete right after the detach (what every rollout
 * does next) would cut them. Compute Engine shows no per-instance draining state for a group that
 * is no longer a backend, so the timeout itself is waited for.
 */
final class Draining {
  /** How the wait sleeps (tests pass one that does not). */
  @FunctionalInterface
  interface Sleeper {
    void sleep(Duration d) throws InterruptedException;
  }

  private static final Duration TICK = Duration.ofSeconds(1);

  private final EventSink events;
  private final Sleeper sleeper;

  Draining(EventSink events, Sleeper sleeper) {
    this.events = events;
    this.sleeper = sleeper;
  }

  /**
   * Waits {@code time} after {@code group} left {@code service}; not at all when draining is off or
   * the group has no instances (those a resize removed were drained by the group itself).
   *
   * @return whether it waited
   */
  boolean await(String group, int size, String service, Duration time) {
    if (time.isZero() || time.isNegative() || size == 0) {
      return false;
    }
    long total = time.toSeconds();
    String task = "drain " + group;
    events.emit(
        LogEvent.info(
            "detach",
            group
                + " left "
                + service
                + "; waiting "
                + total
                + " s (its connection draining timeout) so that requests in flight finish"));
    long done = 0;
    try {
      while (done < total) {
        events.emit(ProgressEvent.of(task, done, total, ProgressEvent.Unit.SECONDS));
        sleeper.sleep(TICK);
        done++;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UnideployException(
          "interrupted while "
              + group
              + " drained: it is out of service; re-run to finish the rollout");
    }
    events.emit(ProgressEvent.finished(task, total, total, ProgressEvent.Unit.SECONDS));
    return true;
  }
}
