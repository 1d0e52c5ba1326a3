package dev.unideploy.pipeline.qemu;

import java.time.Duration;
import java.util.Optional;

/**
 * Ends a recorded process (an instance's QEMU, the local load balancer): SIGTERM (QEMU exits
 * cleanly on it), then SIGKILL after a grace period. A signal is sent only while the pid still has
 * the recorded start time, so a pid the kernel reused for another process is never touched.
 */
public final class ProcessStopper {
  private static final Duration POLL = Duration.ofMillis(50);

  private ProcessStopper() {}

  /** Returns true when the process is gone (or was already), false if it survived SIGKILL. */
  public static boolean stop(ProcessIdentity id, Duration grace) {
    if (id.status() != ProcessIdentity.Status.ALIVE) {
      return true;
    }
    Optional<ProcessHandle> h = ProcessHandle.of(id.pid());
    if (h.isEmpty()) {
      return true;
    }
    h.get().destroy();
    if (waitGone(id, grace)) {
      return true;
    }
    if (id.status() == ProcessIdentity.Status.ALIVE) {
      h.get().destroyForcibly();
    }
    return waitGone(id, Duration.ofSeconds(5));
  }

  private static boolean waitGone(ProcessIdentity id, Duration timeout) {
    long end = System.nanoTime() + timeout.toNanos();
    while (id.status() == ProcessIdentity.Status.ALIVE) {
      if (System.nanoTime() - end >= 0) {
        return false;
      }
      try {
        Thread.sleep(POLL.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return id.status() != ProcessIdentity.Status.ALIVE;
      }
    }
    return true;
  }
}
