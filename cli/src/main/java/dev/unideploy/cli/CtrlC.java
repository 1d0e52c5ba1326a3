package dev.unideploy.cli;

import dev.unideploy.pipeline.events.EventSink;
import dev.unideploy.pipeline.events.LogEvent;
import dev.unideploy.pipeline.rollout.Cancellation;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Ctrl-C (SIGINT, SIGTERM) during a rollout: instead of dying half-way, the JVM's shutdown waits
 * while the rollout rolls back what it started, then exits with 130. A shutdown hook is the one
 * portable place to learn of the signal; it cancels the rollout and waits until {@link Main} has
 * printed the result ({@link #commandFinished}). kill -9 cannot be caught: the journal covers it.
 */
final class CtrlC implements AutoCloseable {
  /** How long a rollback after Ctrl-C may hold the process before the JVM exits anyway. */
  static final long MAX_WAIT_MINUTES = 30;

  private static final CountDownLatch FINISHED = new CountDownLatch(1);

  private final Thread hook;

  private CtrlC(Cancellation cancellation, EventSink events) {
    this.hook =
        new Thread(
            () -> {
              events.emit(
                  LogEvent.warn(
                      "rollout",
                      "interrupted: rolling back what this rollout started (kill -9 to abandon it;"
                          + " the next deploy or rollback would then finish it)"));
              cancellation.cancel("interrupted (Ctrl-C)");
              try {
                FINISHED.await(MAX_WAIT_MINUTES, TimeUnit.MINUTES);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            },
            "unideploy-ctrl-c");
    Runtime.getRuntime().addShutdownHook(hook);
  }

  /** Cancels {@code cancellation} on Ctrl-C until closed. */
  static CtrlC rollsBack(Cancellation cancellation, EventSink events) {
    return new CtrlC(cancellation, events);
  }

  /** Called by {@link Main} once the command's output is written: a waiting hook may let go. */
  static void commandFinished() {
    FINISHED.countDown();
  }

  @Override
  public void close() {
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException e) {
      // Shutdown has begun: the hook runs and waits for commandFinished().
    }
  }
}
