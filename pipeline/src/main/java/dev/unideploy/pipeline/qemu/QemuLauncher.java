package dev.unideploy.pipeline.qemu;

import dev.unideploy.pipeline.UnideployException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Starts QEMU guests, either in the background ({@link #launch}: serial to a log file, QMP on a
 * pipe, for verification and the local provider) or in the foreground ({@link #runForeground}:
 * serial on the terminal, for {@code unideploy run}).
 *
 * <pre>{@code
 * QemuSpec spec = QemuSpec.builder(image).diskFormat("raw").port(PortForward.toGuest(8080)).build();
 * try (QemuProcess qemu = new QemuLauncher().launch(spec, workDir)) {
 *   BootOutcome o = new BootWatcher(ConsoleMatcher.ready("READY")).await(qemu, Duration.ofSeconds(60));
 *   int port = qemu.hostPort(8080);
 * } // close() stops QEMU
 * }</pre>
 *
 * <p>When KVM was chosen but QEMU cannot use it (a nested host without VMX, a busy device), the
 * launcher retries once under TCG; {@link QemuProcess#accelerator()} tells which one runs.
 */
public final class QemuLauncher {
  private static final Duration STARTUP = Duration.ofSeconds(30);

  /**
   * Starts the guest in the background. {@code workDir} (created if needed) receives {@code
   * serial.log}, {@code qemu.log} and, for a split OVMF image, the UEFI vars copy. Host ports of 0
   * are replaced by free loopback ports. Returns once QEMU answers on QMP, i.e. the machine is
   * built and the guest is running.
   *
   * @throws UnideployException when QEMU is missing or exits during startup (message has its
   *     stderr)
   */
  public QemuProcess launch(QemuSpec spec, Path workDir) throws IOException, InterruptedException {
    Files.createDirectories(workDir);
    QemuSpec resolved = spec.withPorts(choosePorts(spec.ports()));
    try {
      return start(resolved, workDir);
    } catch (KvmUnavailableException e) {
      return start(resolved.toBuilder().accelerator(Accelerator.TCG).build(), workDir);
    }
  }

  /**
   * Runs the guest in the foreground with COM1 on this process's terminal and returns QEMU's exit
   * code. Ctrl-C reaches QEMU too (same process group); if the JVM is stopped first, a shutdown
   * hook ends QEMU so it never outlives the command.
   */
  public int runForeground(QemuSpec spec, Path workDir) throws IOException, InterruptedException {
    Files.createDirectories(workDir);
    QemuSpec resolved = spec.withPorts(choosePorts(spec.ports()));
    List<String> cmd =
        new QemuCommandBuilder(resolved)
            .serial(new QemuCommandBuilder.SerialStdio())
            .uefiVars(uefiVars(resolved, workDir))
            .build();
    Process p = new ProcessBuilder(cmd).inheritIO().start();
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

  private QemuProcess start(QemuSpec spec, Path workDir) throws IOException, InterruptedException {
    Path serial = QemuProcess.serialLog(workDir);
    Path log = QemuProcess.qemuLog(workDir);
    Files.deleteIfExists(serial);
    List<String> cmd =
        new QemuCommandBuilder(spec)
            .serial(new QemuCommandBuilder.SerialFile(serial))
            .qmpOnStdio(true)
            .uefiVars(uefiVars(spec, workDir))
            .build();
    ProcessBuilder pb =
        new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.to(log.toFile()));
    Instant started = Instant.now();
    Process p;
    try {
      p = pb.start();
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
    QmpChannel qmp = new QmpChannel(p.getInputStream(), p.getOutputStream(), "qmp-" + p.pid());
    qmp.start();
    QemuProcess qemu = new QemuProcess(p, spec, cmd, workDir, qmp, started);
    boolean up = false;
    try {
      up = qmp.awaitReady(STARTUP) && p.isAlive();
    } finally {
      if (!up) {
        qemu.stop(Duration.ofSeconds(3));
      }
    }
    if (up) {
      return qemu;
    }
    String errors = String.join(" | ", qemu.qemuMessages(8));
    if (spec.accelerator() == Accelerator.KVM && errors.toLowerCase(Locale.ROOT).contains("kvm")) {
      throw new KvmUnavailableException();
    }
    throw new UnideployException(
        "QEMU did not start ("
            + (p.isAlive()
                ? "no QMP greeting in " + STARTUP.toSeconds() + " s"
                : "exit code " + p.exitValue())
            + "): "
            + (errors.isEmpty() ? "no message" : errors)
            + "; check the image path and format, and see "
            + log);
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
