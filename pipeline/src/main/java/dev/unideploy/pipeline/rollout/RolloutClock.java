package dev.unideploy.pipeline.rollout;

import java.time.Duration;

/**
 * Time as the rollout sees it: a monotonic counter for deadlines and a way to wait. Tests pass one
 * whose sleep only moves the counter, so gates, bakes and deadlines run without real waiting.
 */
public interface RolloutClock {

  /** A monotonic time in nanoseconds (only differences mean anything). */
  long nanoTime();

  /** Waits {@code d}. */
  void sleep(Duration d) throws InterruptedException;

  /** The machine's clock. */
  static RolloutClock system() {
    return sleepingWith(d -> Thread.sleep(d.toMillis()));
  }

  /** The machine's monotonic time, waiting with {@code sleeper}. */
  static RolloutClock sleepingWith(Sleeper sleeper) {
    return new RolloutClock() {
      @Override
      public long nanoTime() {
        return System.nanoTime();
      }

      @Override
      public void sleep(Duration d) throws InterruptedException {
        sleeper.sleep(d);
      }
    };
  }

  /** A way to wait. */
  @FunctionalInterface
  interface Sleeper {
    void sleep(Duration d) throws InterruptedException;
  }
}
