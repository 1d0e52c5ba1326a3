package dev.unideploy.pipeline.qemu;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A QEMU guest running in the background, started by {@link QemuLauncher#launch}.
 *
 * <p>Its COM1 goes to {@link #serialLog()} (follow it with {@link #console()}), QEMU's own messages
 * to {@link #qemuLog()}. {@link #stop(Duration)} (or {@link #close()}) ends it: QMP {@code quit},
 * then SIGTERM, then SIGKILL. A JVM shutdown hook does the same if the caller never does, so no
 * QEMU outlives the JVM that started it (except after SIGKILL of the JVM itself).
 */
public final class QemuProcess implements AutoCloseable {
  private final ProcessHandle handle;
  private final Process process; // null when attached to a guest another JVM started
  private final QemuSpec spec;
  private final List<String> command;
  private final Path workDir;
  private final SerialConsole console;
  private final QmpChannel qmp;
  private final Instant started;
  private final Thread shutdownHook;

  QemuProcess(
      ProcessHandle handle,
      Process process,
      QemuSpec spec,
      List<String> command,
      Path workDir,
      QmpChannel qmp,
      Instant started,
      boolean reapOnExit) {
    this.handle = handle;
    this.process = process;
    this.spec = spec;
    this.command = List.copyOf(command);
    this.workDir = workDir;
    this.console = new SerialConsole(serialLog(workDir));
    this.qmp = qmp;
    this.started = started;
    if (reapOnExit) {
      this.shutdownHook = new Thread(() -> kill(Duration.ofSeconds(2)), "qemu-reaper-" + pid());
      Runtime.getRuntime().addShutdownHook(shutdownHook);
    } else {
      this.shutdownHook = null;
    }
  }

  static Path serialLog(Path workDir) {
    return workDir.resolve("serial.log");
  }

  static Path qemuLog(Path workDir) {
    return workDir.resolve("qemu.log");
  }

  public long pid() {
    return handle.pid();
  }

  /** The spec it runs, with the host ports the launcher chose. */
  public QemuSpec spec() {
    return spec;
  }

  /** The accelerator actually in use (TCG after a KVM fallback). */
  public Accelerator accelerator() {
    return spec.accelerator();
  }

  /** The exact command line, for logs and bug reports. */
  public List<String> command() {
    return command;
  }

  public Instant started() {
    return started;
  }

  public Path workDir() {
    return workDir;
  }

  public Path serialLog() {
    return serialLog(workDir);
  }

  public Path qemuLog() {
    return qemuLog(workDir);
  }

  /** The guest's COM1 output, followed incrementally. */
  public SerialConsole console() {
    return console;
  }

  /** The loopback port on the host that forwards to {@code guestPort}. */
  public int hostPort(int guestPort) {
    for (PortForward p : spec.ports()) {
      if (p.guestPort() == guestPort) {
        return p.hostPort();
      }
    }
    throw new IllegalArgumentException("guest port " + guestPort + " is not forwarded");
  }

  public boolean isAlive() {
    return handle.isAlive();
  }

  /** QEMU's exit status once it has exited; always empty for an attached (not child) guest. */
  public OptionalInt exitCode() {
    return process == null || process.isAlive()
        ? OptionalInt.empty()
        : OptionalInt.of(process.exitValue());
  }

  /** Why the guest stopped, as QEMU reported over QMP; empty while running or if unreported. */
  public Optional<ShutdownReason> shutdownReason() {
    return qmp.shutdownReason();
  }

  /**
   * Runs a human-monitor command over QMP (e.g. {@code info usernet}) and returns its output; empty
   * when QEMU is gone or did not answer within the timeout.
   */
  public Optional<String> hmp(String commandLine, Duration timeout) throws InterruptedException {
    return handle.isAlive() ? qmp.hmp(commandLine, timeout) : Optional.empty();
  }

  /**
   * Why the guest's vCPUs are paused while QEMU still runs, e.g. {@code internal-error} (KVM could
   * not emulate an instruction), {@code io-error}, {@code guest-panicked}; empty while running.
   * Asks QEMU only after it announced a STOP, so polling this is cheap.
   */
  public Optional<String> pausedState() throws InterruptedException {
    if (!qmp.stopped()) {
      return Optional.empty();
    }
    Optional<String> status = hmp("info status", Duration.ofSeconds(5));
    if (status.isEmpty()) {
      return Optional.empty();
    }
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("paused \\(([a-z-]+)\\)").matcher(status.get());
    return m.find() ? Optional.of(m.group(1)) : Optional.of("paused");
  }

  /**
   * QEMU's run state now, as {@code query-status} reports it: {@code running}, {@code paused},
   * {@code internal-error} (KVM could not emulate an instruction), {@code guest-panicked}, {@code
   * shutdown}, {@code io-error}...; empty when QEMU did not answer in time or is gone.
   */
  public Optional<String> runState(Duration timeout) throws InterruptedException {
    if (!handle.isAlive()) {
      return Optional.empty();
    }
    return qmp.execute("query-status", timeout).map(r -> r.path("status").asText(null));
  }

  /** Waits for QEMU to exit by itself; true if it did within the timeout. */
  public boolean waitFor(Duration timeout) throws InterruptedException {
    try {
      handle.onExit().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      return true;
    } catch (TimeoutException e) {
      return false;
    } catch (ExecutionException e) {
      return !handle.isAlive();
    }
  }

  /** The last lines QEMU itself wrote to stderr (warnings, "could not open disk"...). */
  public List<String> qemuMessages(int n) {
    try {
      List<String> all = Files.readAllLines(qemuLog(), StandardCharsets.ISO_8859_1);
      return List.copyOf(all.subList(Math.max(0, all.size() - n), all.size()));
    } catch (IOException e) {
      return List.of();
    }
  }

  /**
   * Ends the guest: QMP {@code quit}, then SIGTERM, then SIGKILL, each given part of {@code grace}.
   * Returns once the process is gone. Safe to call more than once.
   */
  public void stop(Duration grace) {
    kill(grace);
    qmp.close();
    if (shutdownHook != null) {
      try {
        Runtime.getRuntime().removeShutdownHook(shutdownHook);
      } catch (IllegalStateException e) {
        // Already shutting down: the hook is running or has run.
      }
    }
  }

  /**
   * Lets go of a detached guest without stopping it (closes the QMP connection only); {@link
   * QemuLauncher#attach} finds it again. For a guest started attached this is {@link #close()}.
   */
  public void release() {
    if (shutdownHook != null) {
      close();
    } else {
      qmp.close();
    }
  }

  private void kill(Duration grace) {
    if (!handle.isAlive()) {
      return;
    }
    Duration third = Duration.ofMillis(Math.max(100, grace.toMillis() / 3));
    try {
      qmp.quit();
      if (waitFor(third)) {
        return;
      }
      handle.destroy();
      if (waitFor(third)) {
        return;
      }
      handle.destroyForcibly();
      waitFor(Duration.ofSeconds(2).compareTo(third) > 0 ? Duration.ofSeconds(2) : third);
    } catch (InterruptedException e) {
      handle.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    stop(Duration.ofSeconds(6));
  }
}
