package dev.unideploy.pipeline.qemu;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * How a boot ended: ready within the deadline, or why not, with the last console lines.
 *
 * @param elapsed from QEMU's start to the decision (the boot time when ready)
 * @param detail one line for people: the matched line, the panic line, the exit reason...
 */
public record BootOutcome(
    Status status, Duration elapsed, String detail, List<String> consoleTail) {

  /** The ways a boot ends. */
  public enum Status {
    /** The readiness signal arrived. */
    READY,
    /** A panic pattern appeared on the console. */
    PANIC,
    /** The guest reset or triple-faulted (QEMU exits because of -no-reboot). */
    RESET,
    /** The guest powered itself off before it was ready. */
    SHUTDOWN,
    /** QEMU stopped the vCPUs: a KVM internal (emulation) error, a disk I/O error... */
    CRASHED,
    /** QEMU exited for another reason (crash, killed, bad device). */
    EXITED,
    /** The deadline passed without a readiness signal (silent, hung, or just too slow). */
    TIMEOUT
  }

  public BootOutcome {
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(elapsed, "elapsed");
    Objects.requireNonNull(detail, "detail");
    consoleTail = List.copyOf(consoleTail);
  }

  public boolean ready() {
    return status == Status.READY;
  }

  /** The detail and the console tail, as a multi-line failure message. */
  public String describe() {
    StringBuilder sb = new StringBuilder(detail);
    if (consoleTail.isEmpty()) {
      sb.append("\n(no console output)");
    } else {
      sb.append("\nlast console lines:");
      for (String line : consoleTail) {
        sb.append("\n  | ").append(line);
      }
    }
    return sb.toString();
  }
}
