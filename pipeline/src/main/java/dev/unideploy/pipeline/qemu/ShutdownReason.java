package dev.unideploy.pipeline.qemu;

import java.util.Locale;

/**
 * Why QEMU stopped the guest, from the QMP {@code SHUTDOWN} event's {@code reason} (see the QMP
 * reference, "ShutdownCause"). With {@code -no-reboot} a reset or triple fault arrives as {@link
 * #GUEST_RESET}.
 */
public enum ShutdownReason {
  /** The guest reset the machine, or triple-faulted. */
  GUEST_RESET,
  /** The guest powered off (ACPI, isa-debug-exit). */
  GUEST_SHUTDOWN,
  /** The guest reported a panic through pvpanic. */
  GUEST_PANIC,
  /** The host asked: QMP quit, a signal, the UI. */
  HOST,
  /** Any other cause QEMU may add. */
  OTHER;

  /** Maps QMP's ShutdownCause string ({@code guest-reset}, {@code host-signal}...). */
  public static ShutdownReason fromQmp(String reason) {
    if (reason == null) {
      return OTHER;
    }
    String r = reason.toLowerCase(Locale.ROOT);
    return switch (r) {
      case "guest-reset" -> GUEST_RESET;
      case "guest-shutdown" -> GUEST_SHUTDOWN;
      case "guest-panic" -> GUEST_PANIC;
      default -> r.startsWith("host-") ? HOST : OTHER;
    };
  }
}
