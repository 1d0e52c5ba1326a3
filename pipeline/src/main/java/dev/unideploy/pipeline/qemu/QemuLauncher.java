package dev.unideploy.pipeline.qemu;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.unideploy.pipeline.UnideployException;
import dev.unideploy.pipeline.state.StateFiles;
import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

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
 *
 * <p>No QEMU outlives its owner unknown: a {@link #launch}ed guest gets the kernel's parent-death
 * signal ({@code setpriv --pdeathsig}, prctl(2) PR_SET_PDEATHSIG) and a hard lifetime of its own
 * ({@code timeout(1)}), so kill -9 of the JVM, an OOM kill or a hung caller cannot leave it
 * running; a {@link #launchDetached} guest is announced to the caller ({@code onSpawn}) and
 * recorded in {@code qemu.json} before the launcher waits for it.
 */
public final class QemuLauncher {
  private static final Duration STARTUP = Duration.ofSeconds(30);
  private static final boolean POSIX =
      FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Path SETSID = Path.of("/usr/bin/setsid");
  private static final Path SETPRIV = Path.of("/usr/bin/setpriv");
  private static final Path TIMEOUT = Path.of("/usr/bin/timeout");

  /** The hard lifetime of a {@link #launch}ed guest when the caller names none. */
  public static final Duration DEFAULT_MAX_LIFETIME = Duration.ofHours(1);

  /**
   * What {@link #attach} needs to find a detached guest again, kept in {@code qemu.json}.
   *
   * @param pidStartTime the kernel start time of {@code pid}: a pid reused by another process is
   *     never mistaken for the guest
   * @param privateSocketDir a private folder made for the QMP socket (when the work folder's path
   *     is too long for one), removed by {@link #cleanUp}; null otherwise
   */
  record DetachedState(
      long pid,
      long pidStartTime,
      String qmpSocket,
      String privateSocketDir,
      long startedEpochMillis,
      List<String> command,
      QemuSpec spec) {}

  /** A detached guest's process, reported as soon as it exists (before QEMU answers). */
  public record Spawned(long pid, long pidStartTime, Instant startedAt, QemuSpec spec) {}

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
    return launch(spec, workDir, DEFAULT_MAX_LIFETIME);
  }

  /**
   * Like {@link #launch(QemuSpec, Path)}, with the guest's hard lifetime: QEMU gets SIGTERM once it
   * has run {@code maxLifetime} (SIGKILL 5 s later), whatever happens to this JVM.
   */
  public QemuProcess launch(QemuSpec spec, Path workDir, Duration maxLifetime)
      throws IOException, InterruptedException {
    return launchWithFallback(spec, workDir, maxLifetime, s -> {});
  }

  /**
   * Like {@link #launch} but the guest outlives this JVM: own session ({@code setsid}), no shutdown
   * hook, QMP on a Unix socket, and its pid and spec in {@code workDir/qemu.json}. Stop it with
   * {@link QemuProcess#stop}, or let go of it with {@link QemuProcess#release()}.
   */
  public QemuProcess launchDetached(QemuSpec spec, Path workDir)
      throws IOException, InterruptedException {
    return launchDetached(spec, workDir, s -> {});
  }

  /**
   * Like {@link #launchDetached(QemuSpec, Path)}; {@code onSpawn} learns of the process as soon as
   * it exists, before the launcher waits for QEMU to answer, so the caller can record it first (a
   * crash while waiting then leaves no guest that nobody knows). It is called again if the launch
   * is retried (fresh ports, TCG after KVM failed).
   */
  public QemuProcess launchDetached(QemuSpec spec, Path workDir, Consumer<Spawned> onSpawn)
      throws IOException, InterruptedException {
    return launchWithFallback(spec, workDir, null, onSpawn);
  }

  /**
   * Reconnects to a guest {@link #launchDetached} started in {@code workDir}; empty when it is no
   * longer running (or the pid now belongs to another program).
   */
  public Optional<QemuProcess> attach(Path workDir) throws IOException, InterruptedException {
    return attach(workDir, STARTUP);
  }

  /**
   * Like {@link #attach(Path)}, giving up after {@code timeout} when QEMU does not answer (its
   * monitor serves one client at a time: another unideploy may be connected).
   */
  public Optional<QemuProcess> attach(Path workDir, Duration timeout)
      throws IOException, InterruptedException {
    Path stateFile = workDir.resolve("qemu.json");
    if (!Files.isRegularFile(stateFile)) {
      return Optional.empty();
    }
    DetachedState st = JSON.readValue(stateFile.toFile(), DetachedState.class);
    // The recorded start time, as InstanceStopper checks it: a pid the kernel gave to another
    // process since is not our guest, whatever its name.
    if (new ProcessIdentity(st.pid(), st.pidStartTime()).status() != ProcessIdentity.Status.ALIVE) {
      return Optional.empty();
    }
    Optional<ProcessHandle> h = ProcessHandle.of(st.pid()).filter(ProcessHandle::isAlive);
    if (h.isEmpty() || !isQemu(h.get(), st.spec())) {
      return Optional.empty();
    }
    QmpChannel qmp = QmpSocket.connect(Path.of(st.qmpSocket()), h.get(), workDir, timeout);
    if (!qmp.awaitReady(timeout)) {
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
   * The process a {@link #launchDetached} in {@code workDir} started, as recorded right after it
   * began (before QEMU answered): how a caller that crashed in between finds its guest again.
   */
  public static Optional<ProcessIdentity> recordedProcess(Path workDir) {
    Path stateFile = workDir.resolve("qemu.json");
    if (Files.isRegularFile(stateFile)) {
      try {
        DetachedState st = JSON.readValue(stateFile.toFile(), DetachedState.class);
        return Optional.of(new ProcessIdentity(st.pid(), st.pidStartTime()));
      } catch (IOException e) {
        // Cut short by the crash itself: QEMU's own pid file is next.
      }
    }
    return pidFileProcess(workDir.resolve("qemu.pid"));
  }

  /**
   * The QEMU that wrote {@code pidFile} (QEMU writes it itself at start-up, so it exists even when
   * unideploy was killed before recording the process), if that process still runs QEMU with this
   * pid file on its command line: a pid reused by another program is never returned.
   */
  static Optional<ProcessIdentity> pidFileProcess(Path pidFile) {
    try {
      long pid = Long.parseLong(Files.readString(pidFile, StandardCharsets.US_ASCII).strip());
      byte[] cmdline = Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline"));
      String args = new String(cmdline, StandardCharsets.UTF_8).replace('\0', ' ');
      return args.contains(pidFile.toString()) ? ProcessIdentity.of(pid) : Optional.empty();
    } catch (IOException | NumberFormatException e) {
      return Optional.empty(); // No pid file (QEMU never started) or the process is gone.
    }
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
    // SIGTERM rather than SIGKILL when this JVM dies: QEMU then restores the terminal it set raw.
    Process p = startProcess(new ProcessBuilder(tied(cmd, "TERM", null)).inheritIO(), resolved);
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

  /**
   * @param maxLifetime null for a detached guest (no deadline, not tied to this JVM)
   */
  private QemuProcess launchWithFallback(
      QemuSpec spec, Path workDir, Duration maxLifetime, Consumer<Spawned> onSpawn)
      throws IOException, InterruptedException {
    // Serial logs and QMP sockets are the guest's and the monitor's: owner-only, whatever the
    // umask.
    StateFiles.createPrivateDirectories(workDir);
    QemuSpec resolved = spec.withPorts(choosePorts(spec.ports()));
    try {
      return start(resolved, workDir, maxLifetime, onSpawn);
    } catch (KvmUnavailableException e) {
      return start(
          resolved.toBuilder().accelerator(Accelerator.TCG).build(), workDir, maxLifetime, onSpawn);
    }
  }

  /**
   * {@code cmd} run so that it dies with this JVM ({@code setpriv --pdeathsig}) and, when {@code
   * maxLifetime} is set, after that long at the latest ({@code timeout}). Both wrappers exec or
   * wait in place, so stdio (the QMP pipe) passes through. The parent-death signal fires when the
   * thread that started the process ends (prctl(2)), so a guest must be started, watched and
   * stopped by one thread, as every caller of {@link #launch} does.
   */
  static List<String> tied(List<String> cmd, String signal, Duration maxLifetime) {
    if (!Files.isExecutable(SETPRIV)) {
      return cmd; // Not Linux's util-linux: the shutdown hook is all there is.
    }
    List<String> out = new ArrayList<>(List.of(SETPRIV.toString(), "--pdeathsig", signal, "--"));
    if (maxLifetime != null && Files.isExecutable(TIMEOUT)) {
      out.addAll(
          List.of(
              TIMEOUT.toString(),
              "--kill-after=5",
              maxLifetime.toSeconds() + "s",
              // timeout(1) itself may be killed: QEMU, its child, then dies with it.
              SETPRIV.toString(),
              "--pdeathsig",
              "KILL",
              "--"));
    }
    out.addAll(cmd);
    return out;
  }

  private QemuProcess start(
      QemuSpec spec, Path workDir, Duration maxLifetime, Consumer<Spawned> onSpawn)
      throws IOException, InterruptedException {
    boolean detached = maxLifetime == null;
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
      Files.deleteIfExists(workDir.resolve("qemu.json"));
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
      pb.command(tied(cmd, "KILL", maxLifetime));
      pb.redirectError(ProcessBuilder.Redirect.to(log.toFile()));
    }
    Instant started = Instant.now();
    Process p = startProcess(pb, spec);
    if (detached) {
      // Recorded before waiting for QEMU: a crash from here on leaves a guest that is known.
      long startTime = ProcessIdentity.of(p.pid()).map(ProcessIdentity::startTime).orElse(0L);
      JSON.writeValue(
          workDir.resolve("qemu.json").toFile(),
          new DetachedState(
              p.pid(),
              startTime,
              socket.toString(),
              privateSocketDir(workDir, socket),
              started.toEpochMilli(),
              cmd,
              spec));
      onSpawn.accept(new Spawned(p.pid(), startTime, started, spec));
    }
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

  /**
   * {@code workDir/qmp.sock}; when that path would pass the 107-byte limit of a Unix socket address
   * (unix(7)), a socket in a new owner-only folder with a random name in the temp folder: another
   * user can neither guess it nor reach it (connect(2) needs search permission on it).
   */
  static Path qmpSocketPath(Path workDir) throws IOException {
    Path p = workDir.toAbsolutePath().resolve("qmp.sock");
    if (p.toString().getBytes(StandardCharsets.UTF_8).length < 100) {
      return p;
    }
    Path dir =
        POSIX
            ? Files.createTempDirectory(
                "unideploy-qmp-",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")))
            : Files.createTempDirectory("unideploy-qmp-");
    return dir.resolve("qmp.sock");
  }

  private static String privateSocketDir(Path workDir, Path socket) {
    return socket.getParent().equals(workDir.toAbsolutePath())
        ? null
        : socket.getParent().toString();
  }

  /**
   * Removes what a detached guest in {@code workDir} left outside it (the private folder of its QMP
   * socket), once the guest is stopped. Safe to call more than once.
   */
  public static void cleanUp(Path workDir) {
    Path stateFile = workDir.resolve("qemu.json");
    try {
      if (!Files.isRegularFile(stateFile)) {
        return;
      }
      DetachedState st = JSON.readValue(stateFile.toFile(), DetachedState.class);
      if (st.privateSocketDir() != null) {
        Path dir = Path.of(st.privateSocketDir());
        Files.deleteIfExists(dir.resolve("qmp.sock"));
        Files.deleteIfExists(dir);
      }
    } catch (IOException e) {
      // An empty folder in /tmp is all that can be left; the system's tmp cleaner removes it.
    }
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
