package dev.unideploy.pipeline.rollout;

/**
 * A request to stop a rollout early (Ctrl-C): the engine checks it between steps and while it
 * waits, and rolls back what it started. Thread-safe; a signal handler may call {@link #cancel}.
 */
public final class Cancellation {
  private volatile String reason;

  /** Asks the rollout to stop; the first reason given is kept. */
  public void cancel(String why) {
    synchronized (this) {
      if (reason == null) {
        reason = why;
      }
    }
  }

  public boolean requested() {
    return reason != null;
  }

  /** Why the rollout was asked to stop, or null. */
  public String reason() {
    return reason;
  }
}
