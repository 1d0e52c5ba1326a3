package dev.unideploy.pipeline.qemu;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.Consumer;

/**
 * Watches a booting guest until it is ready, dies, or runs out of time. It never stops QEMU: the
 * caller owns the {@link QemuProcess} and closes it (verification always does, the local provider
 * keeps a ready guest running).
 */
public final class BootWatcher {
  private static final long POLL_MILLIS = 100;
  private static final long PROBE_INTERVAL_MILLIS = 500;

  /** How many console lines a failure carries. */
  public static final int TAIL_LINES = 20;

  private final ConsoleMatcher matcher;
  private final ReadinessCheck check;
  private Consumer<String> onLine = line -> {};
  private Consumer<Duration> onSecond = elapsed -> {};

  /** Ready on the matcher's readiness pattern. */
  public BootWatcher(ConsoleMatcher matcher) {
    this(matcher, new ReadinessCheck.Console());
  }

  /** Ready on {@code check}; the matcher's panic patterns still fail the boot early. */
  public BootWatcher(ConsoleMatcher matcher, ReadinessCheck check) {
    this.matcher = Objects.requireNonNull(matcher, "matcher");
    this.check = Objects.requireNonNull(check, "check");
    if (check instanceof ReadinessCheck.Console && matcher.readyPattern() == null) {
      throw new IllegalArgumentException("console readiness needs a readiness pattern");
    }
  }

  /** Called with each complete console line, in order (e.g. to log or stream it). */
  public BootWatcher onLine(Consumer<String> v) {
    onLine = Objects.requireNonNull(v);
    return this;
  }

  /** Called about once a second with the time since QEMU started (for progress). */
  public BootWatcher onSecond(Consumer<Duration> v) {
    onSecond = Objects.requireNonNull(v);
    return this;
  }

  /** Waits up to {@code timeout} (counted from QEMU's start) for the outcome. */
  public BootOutcome await(QemuProcess qemu, Duration timeout) throws InterruptedException {
    Instant start = qemu.started();
    Instant deadline = start.plus(timeout);
    SerialConsole console = qemu.console();
    int hostPort = check.guestPort() > 0 ? qemu.hostPort(check.guestPort()) : -1;
    long lastSecond = -1;
    long lastProbe = 0;
    while (true) {
      boolean alive = qemu.isAlive();
      // Read the console after the liveness check so output printed just before an exit counts.
      // Every line of the batch reaches onLine, even those after the deciding one.
      BootOutcome decided = null;
      for (String line : console.poll()) {
        onLine.accept(line);
        if (decided == null) {
          decided = judgeLine(line, elapsed(start), console);
        }
      }
      if (decided != null) {
        return decided;
      }
      if (check instanceof ReadinessCheck.Console
          && matcher.classify(console.partialLine()) == ConsoleMatcher.Verdict.READY) {
        return outcome(
            BootOutcome.Status.READY, start, "ready: " + console.partialLine().trim(), console);
      }
      if (!alive) {
        // The QMP reader may still be handing over the SHUTDOWN event that preceded the exit.
        Optional<ShutdownReason> reason = qemu.shutdownReason();
        for (int i = 0; i < 10 && reason.isEmpty(); i++) {
          Thread.sleep(50);
          reason = qemu.shutdownReason();
        }
        return judgeExit(reason, qemu.exitCode(), elapsed(start), console, qemu);
      }
      Optional<String> paused = qemu.pausedState();
      if (paused.isPresent()) {
        // KVM follows its one-line reason with a register dump: quote the reason lines only.
        String qemuSays =
            String.join(
                " | ",
                qemu.qemuMessages(200).stream()
                    .filter(
                        l ->
                            l.toLowerCase(java.util.Locale.ROOT).contains("error")
                                || l.toLowerCase(java.util.Locale.ROOT).contains("failure"))
                    .limit(3)
                    .toList());
        return outcome(
            BootOutcome.Status.CRASHED,
            start,
            "QEMU paused the guest ("
                + paused.get()
                + ") after "
                + seconds(elapsed(start))
                + (qemuSays.isEmpty() ? "" : ": " + qemuSays),
            console);
      }
      Instant now = Instant.now();
      if (hostPort > 0 && now.toEpochMilli() - lastProbe >= PROBE_INTERVAL_MILLIS) {
        lastProbe = now.toEpochMilli();
        if (probe(qemu, hostPort)) {
          return outcome(BootOutcome.Status.READY, start, "ready: " + check.describe(), console);
        }
      }
      if (!now.isBefore(deadline)) {
        return timeout(timeout, start, console);
      }
      long second = Duration.between(start, now).toSeconds();
      if (second != lastSecond) {
        lastSecond = second;
        onSecond.accept(Duration.between(start, now));
      }
      Thread.sleep(POLL_MILLIS);
    }
  }

  private boolean probe(QemuProcess qemu, int hostPort) throws InterruptedException {
    if (check instanceof ReadinessCheck.Http h) {
      return NetworkProbe.http(hostPort, h.path());
    }
    return NetworkProbe.tcp(qemu, hostPort);
  }

  /** The outcome a console line decides, or null when it decides nothing. */
  BootOutcome judgeLine(String line, Duration elapsed, SerialConsole console) {
    ConsoleMatcher.Verdict v = matcher.classify(line);
    if (v == ConsoleMatcher.Verdict.PANIC) {
      return new BootOutcome(
          BootOutcome.Status.PANIC,
          elapsed,
          "the console shows a panic or boot failure: " + line.trim(),
          console.tail(TAIL_LINES));
    }
    if (v == ConsoleMatcher.Verdict.READY && check instanceof ReadinessCheck.Console) {
      return new BootOutcome(
          BootOutcome.Status.READY, elapsed, "ready: " + line.trim(), console.tail(TAIL_LINES));
    }
    return null;
  }

  /** The outcome of QEMU exiting before readiness, from QMP's reason and the exit code. */
  static BootOutcome judgeExit(
      Optional<ShutdownReason> reason,
      OptionalInt exitCode,
      Duration elapsed,
      SerialConsole console,
      QemuProcess qemu) {
    String code = exitCode.isPresent() ? Integer.toString(exitCode.getAsInt()) : "unknown";
    BootOutcome.Status status;
    String detail;
    switch (reason.orElse(ShutdownReason.OTHER)) {
      case GUEST_RESET -> {
        status = BootOutcome.Status.RESET;
        detail =
            "the guest reset the machine (triple fault or reboot) before it was ready, after "
                + seconds(elapsed);
      }
      case GUEST_SHUTDOWN -> {
        status = BootOutcome.Status.SHUTDOWN;
        detail = "the guest powered off before it was ready, after " + seconds(elapsed);
      }
      case GUEST_PANIC -> {
        status = BootOutcome.Status.PANIC;
        detail = "the guest reported a panic (pvpanic) after " + seconds(elapsed);
      }
      default -> {
        status = BootOutcome.Status.EXITED;
        String qemuSays = qemu == null ? "" : String.join(" | ", qemu.qemuMessages(5));
        detail =
            "QEMU exited (code "
                + code
                + ") before the guest was ready, after "
                + seconds(elapsed)
                + (qemuSays.isEmpty() ? "" : ": " + qemuSays);
      }
    }
    return new BootOutcome(status, elapsed, detail, console.tail(TAIL_LINES));
  }

  private BootOutcome timeout(Duration timeout, Instant start, SerialConsole console) {
    String detail;
    if (console.totalBytes() == 0) {
      detail =
          "the guest stayed silent: no serial console output within "
              + seconds(timeout)
              + " (hung early, wrong controller driver, or it does not log to COM1)";
    } else {
      String what =
          check instanceof ReadinessCheck.Console
              ? "no line matched /" + matcher.readyPattern().pattern() + "/"
              : check.describe() + " never succeeded";
      detail = "not ready within " + seconds(timeout) + ": " + what;
    }
    return new BootOutcome(BootOutcome.Status.TIMEOUT, elapsed(start), detail, console.tail(20));
  }

  private static BootOutcome outcome(
      BootOutcome.Status status, Instant start, String detail, SerialConsole console) {
    return new BootOutcome(status, elapsed(start), detail, console.tail(TAIL_LINES));
  }

  private static Duration elapsed(Instant start) {
    return Duration.between(start, Instant.now());
  }

  private static String seconds(Duration d) {
    return String.format(java.util.Locale.ROOT, "%.1f s", d.toMillis() / 1000.0);
  }
}
