package dev.unideploy.pipeline.qemu;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.unideploy.pipeline.UnideployException;
import dev.unideploy.pipeline.state.StateFiles;
import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Starts QEMU guests. Three ways:
 *
 * <ul>
 *   <li>{@link #launch}: background, tied to this JVM (killed at the latest when it exits); COM1 to
 *       {@code workDir/serial.log}, QMP on a pipe. For boot verification and tests.
 *   <li>{@link #launchDetached}: background, in its own session, surviving this JVM; QMP on a Unix
 *       socket; {@link #attach} finds it again from {@code workDir}. For the local provider's
 *       long-running instances.
 *   <li>{@link #runForeground}: COM1 on the terminal, for {@code unideploy run}.
 * </ul>
 *
 * <pre>{@code
 * QemuSpec spec = QemuSpec.builder(image).diskFormat("raw").port(PortForward.toGuest(8080)).build();
 * try (QemuProcess qemu = new QemuLauncher().launch(spec, workDir)) {
 *   BootOutcome o = new BootWatcher(ConsoleMatcher.ready("READY")).await(qemu, Duration.ofSeconds(60));
 *   int hostPort = qemu.hostPort(8080);
 * } // close() stops QEMU: QMP quit, SIGTERM, SIGKILL
 * }</pre>
 *
 * <p>When KVM was chosen but QEMU cannot use it (a nested host without VMX, a busy device), the
 * launcher retries once under TCG; {@link QemuProcess#accelerator()} tells which one runs.
 */
public final class QemuLauncher {
  private static final Duration STARTUP = Duration.ofSeconds(30);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Path SETSID = Path.of("/usr/bin/setsid");

  /** What {@link #attach} needs to find a detached guest again, kept in {@code qemu.json}. */
  record DetachedState(
      long pid, String qmpSocket, long startedEpochMillis, List<String> command, QemuSpec spec) {}

  /**
   * Starts the guest in the background, tied to this JVM. {@code workDir} (created if needed)
   * receives {@code serial.log}, {@code qemu.log} and, for a split OVMF image, the UEFI vars copy.
   * Host ports of 0 are replaced by free loopback ports. Returns once QEMU answers on QMP, i.e. the
   * machine is built and the guest is running.
   *
   * @throws UnideployException when QEMU is missing or exits during startup (message has its
   *     stderr)
   */
  public QemuProcess launch(QemuSpec spec, Path workDir) throws IOException, InterruptedException {
    return launchWithFallback(spec, workDir, false);
  }

  /**
   * Like {@link #launch} but the guest outlives this JVM: own session ({@code setsid}), no shutdown
   * hook, QMP on a Unix socket, and its pid and spec in {@code workDir/qemu.json}. Stop it with
   * {@link QemuProcess#stop}, or let go of it with {@link QemuProcess#release()}.
   */
  public QemuProcess launchDetached(QemuSpec spec, Path workDir)
      throws IOException, InterruptedException {
    return launchWithFallback(spec, workDir, true);
  }

  /**
   * Reconnects to a guest {@link #launchDetached} started in {@code workDir}; empty when it is no
   * longer running (or the pid now belongs to another program).
   */
  public Optional<QemuProcess> attach(Path workDir) throws IOException, InterruptedException {
    Path stateFile = workDir.resolve("qemu.json");
    if (!Files.isRegularFile(stateFile)) {
      return Optional.empty();
    }
    DetachedState st = JSON.readValue(stateFile.toFile(), DetachedState.class);
    Optional<ProcessHandle> h = ProcessHandle.of(st.pid()).filter(ProcessHandle::isAlive);
    if (h.isEmpty() || !isQemu(h.get(), st.spec())) {
      return Optional.empty();
    }
    QmpChannel qmp = QmpSocket.connect(Path.of(st.qmpSocket()), h.get(), workDir, STARTUP);
    if (!qmp.awaitReady(STARTUP)) {
      qmp.close();
      throw new UnideployException(
          "QEMU (pid "
              + st.pid()
              + ") did not answer on "
              + st.qmpSocket()
              + ": is another unideploy connected to it? (QMP serves one client at a time)");
    }
    return Optional.of(
        new QemuProcess(
            h.get(),
            null,
            st.spec(),
            st.command(),
            workDir,
            qmp,
            Instant.ofEpochMilli(st.startedEpochMillis()),
            false));
  }

  /**
   * Runs the guest in the foreground with COM1 on this process's terminal and returns QEMU's exit
   * code. Ctrl-C reaches QEMU too (same process group); if the JVM is stopped first, a shutdown
   * hook ends QEMU so it never outlives the command.
   */
  public int runForeground(QemuSpec spec, Path workDir) throws IOException, InterruptedException {
    // Serial logs and QMP sockets are the guest's and the monitor's: owner-only, whatever the
    // umask.
    StateFiles.createPrivateDirectories(workDir);
    QemuSpec resolved = spec.withPorts(choosePorts(spec.ports()));
    List<String> cmd =
        new QemuCommandBuilder(resolved)
            .serial(new QemuCommandBuilder.SerialStdio())
            .uefiVars(uefiVars(resolved, workDir))
            .build();
    Process p = startProcess(new ProcessBuilder(cmd).inheritIO(), resolved);
    Thread hook =
        new Thread(
            () -> {
              try {
                // QEMU got the same SIGINT and exits by itself, restoring the terminal; give it
                // a moment before forcing it.
                if (!p.waitFor(3, TimeUnit.SECONDS)) {
                  p.destroy();
                  if (!p.waitFor(2, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                  }
                }
              } catch (InterruptedException e) {
                p.destroyForcibly();
              }
            },
            "qemu-foreground-reaper");
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      return p.waitFor();
    } finally {
      if (p.isAlive()) {
        p.destroyForcibly();
        p.waitFor(5, TimeUnit.SECONDS);
      }
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException e) {
        // The JVM is shutting down and the hook is already running.
      }
    }
  }

  private QemuProcess launchWithFallback(QemuSpec spec, Path workDir, boolean detached)
      throws IOException, InterruptedException {
    // Serial logs and QMP sockets are the guest's and the monitor's: owner-only, whatever the
    // umask.
    StateFiles.createPrivateDirectories(workDir);
    QemuSpec resolved = spec.withPorts(choosePorts(spec.ports()));
    try {
      return start(resolved, workDir, detached);
    } catch (KvmUnavailableException e) {
      return start(resolved.toBuilder().accelerator(Accelerator.TCG).build(), workDir, detached);
    }
  }

  private QemuProcess start(QemuSpec spec, Path workDir, boolean detached)
      throws IOException, InterruptedException {
    Path serial = QemuProcess.serialLog(workDir);
    Path log = QemuProcess.qemuLog(workDir);
    Files.deleteIfExists(serial);
    Files.deleteIfExists(log);
    QemuCommandBuilder b =
        new QemuCommandBuilder(spec)
            .serial(new QemuCommandBuilder.SerialFile(serial))
            .uefiVars(uefiVars(spec, workDir));
    Path socket = null;
    Path pidFile = workDir.resolve("qemu.pid");
    if (detached) {
      socket = qmpSocketPath(workDir);
      Files.deleteIfExists(socket);
      Files.deleteIfExists(pidFile);
      b.qmpSocket(socket).pidFile(pidFile);
    } else {
      b.qmpOnStdio(true);
    }
    List<String> cmd = b.build();
    List<String> exec = new ArrayList<>(cmd);
    ProcessBuilder pb = new ProcessBuilder(exec);
    if (detached) {
      if (Files.isExecutable(SETSID)) {
        // A new session: the terminal's Ctrl-C (sent to the foreground process group) and the
        // JVM's exit leave the guest alone. setsid(1) execs in place, so the pid stays QEMU's.
        exec.add(0, SETSID.toString());
        pb.command(exec);
      }
      pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
          .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
          .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()));
    } else {
      pb.redirectError(ProcessBuilder.Redirect.to(log.toFile()));
    }
    Instant started = Instant.now();
    Process p = startProcess(pb, spec);
    QmpChannel qmp;
    try {
      qmp =
          detached
              ? QmpSocket.connect(socket, p.toHandle(), workDir, STARTUP)
              : new QmpChannel(p.getInputStream(), p.getOutputStream(), "qmp-" + p.pid());
    } catch (UnideployException e) {
      p.destroyForcibly();
      p.waitFor(5, TimeUnit.SECONDS);
      throw startupFailure(spec, p, log, workDir);
    }
    if (!detached) {
      qmp.start();
    }
    QemuProcess qemu =
        new QemuProcess(p.toHandle(), p, spec, cmd, workDir, qmp, started, !detached);
    boolean up = false;
    try {
      up = qmp.awaitReady(STARTUP) && p.isAlive();
    } finally {
      if (!up) {
        qemu.stop(Duration.ofSeconds(3));
      }
    }
    if (!up) {
      throw startupFailure(spec, p, log, workDir);
    }
    if (detached) {
      JSON.writeValue(
          workDir.resolve("qemu.json").toFile(),
          new DetachedState(p.pid(), socket.toString(), started.toEpochMilli(), cmd, spec));
    }
    return qemu;
  }

  private static RuntimeException startupFailure(QemuSpec spec, Process p, Path log, Path workDir) {
    List<String> lines;
    try {
      lines = Files.readAllLines(log, StandardCharsets.ISO_8859_1);
    } catch (IOException e) {
      lines = List.of();
    }
    String errors = String.join(" | ", lines.subList(Math.max(0, lines.size() - 8), lines.size()));
    if (spec.accelerator() == Accelerator.KVM && errors.toLowerCase(Locale.ROOT).contains("kvm")) {
      return new KvmUnavailableException();
    }
    return new UnideployException(
        "QEMU did not start ("
            + (p.isAlive()
                ? "no QMP greeting in " + STARTUP.toSeconds() + " s"
                : "exit code " + p.exitValue())
            + "): "
            + (errors.isEmpty() ? "no message" : errors)
            + "; check the image path and format, and see "
            + log);
  }

  private static Process startProcess(ProcessBuilder pb, QemuSpec spec) {
    try {
      return pb.start();
    } catch (IOException e) {
      throw new UnideployException(
          "cannot start "
              + spec.qemuBinary()
              + " ("
              + e.getMessage()
              + "): install QEMU (apt-get install qemu-system-x86, or scripts/emulators.sh up)"
              + " or set UNIDEPLOY_QEMU to its path",
          e);
    }
  }

  /** {@code workDir/qmp.sock}, or a short path in /tmp when that would pass the 107-byte limit. */
  static Path qmpSocketPath(Path workDir) {
    Path p = workDir.toAbsolutePath().resolve("qmp.sock");
    if (p.toString().getBytes(StandardCharsets.UTF_8).length < 100) {
      return p;
    }
    String id = Integer.toHexString(workDir.toAbsolutePath().toString().hashCode());
    return Path.of(System.getProperty("java.io.tmpdir"), "unideploy-qmp-" + id + ".sock");
  }

  private static boolean isQemu(ProcessHandle h, QemuSpec spec) {
    String expected = spec.qemuBinary().getFileName().toString();
    return h.info().command().map(c -> c.endsWith(expected)).orElse(true);
  }

  /** A writable copy of the OVMF vars store next to the split code image, or null. */
  private static Path uefiVars(QemuSpec spec, Path workDir) throws IOException {
    if (spec.bootMode() != BootMode.UEFI || !Firmware.isSplitCode(spec.firmware())) {
      return null;
    }
    String name = spec.firmware().getFileName().toString().replace("_CODE", "_VARS");
    Path vars = spec.firmware().resolveSibling(name);
    if (!Files.isRegularFile(vars)) {
      throw new UnideployException(
          "UEFI vars template "
              + vars
              + " is missing next to "
              + spec.firmware()
              + ": reinstall ovmf");
    }
    Path copy = workDir.resolve("uefi-vars.fd");
    Files.copy(vars, copy, StandardCopyOption.REPLACE_EXISTING);
    return copy;
  }

  /** Replaces host port 0 with a free loopback port (bound and released: a small race). */
  static List<PortForward> choosePorts(List<PortForward> ports) throws IOException {
    List<PortForward> out = new ArrayList<>();
    for (PortForward p : ports) {
      if (p.hostPort() != 0) {
        out.add(p);
        continue;
      }
      try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
        out.add(new PortForward(s.getLocalPort(), p.guestPort()));
      }
    }
    return out;
  }

  /** QEMU refused KVM at startup; the caller retries under TCG. */
  private static final class KvmUnavailableException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    KvmUnavailableException() {
      super("KVM unavailable", null, false, false);
    }
  }
}
