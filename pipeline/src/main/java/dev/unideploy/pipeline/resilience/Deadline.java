package dev.unideploy.pipeline.resilience;

import dev.unideploy.pipeline.UnideployException;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * A wait with an end: polls a condition until it holds or the deadline passes, then fails saying
 * what it was waiting for, so no wait hangs and none gives up silently.
 */
public final class Deadline {
  private final String what;
  private final Duration timeout;
  private final Duration pollInterval;

  public Deadline(String what, Duration timeout, Duration pollInterval) {
    this.what = what;
    this.timeout = timeout;
    this.pollInterval = pollInterval;
  }

  /** Polls until {@code done} is true; throws with {@code howToFix} when the time is up. */
  public void await(BooleanSupplier done, Supplier<String> lastState, String howToFix) {
    long end = System.nanoTime() + timeout.toNanos();
    while (!done.getAsBoolean()) {
      if (System.nanoTime() - end >= 0) {
        throw new UnideployException(
            "timed out after "
                + timeout.toSeconds()
                + " s waiting for "
                + what
                + " (last state: "
                + lastState.get()
                + "); "
                + howToFix);
      }
      try {
        Thread.sleep(pollInterval.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new UnideployException(
            "interrupted while waiting for " + what + "; re-run to resume", e);
      }
    }
  }
}
