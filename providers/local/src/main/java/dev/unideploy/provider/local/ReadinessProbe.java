package dev.unideploy.provider.local;

import dev.unideploy.pipeline.qemu.BootOutcome;
import dev.unideploy.pipeline.qemu.BootWatcher;
import dev.unideploy.pipeline.qemu.ConsoleMatcher;
import dev.unideploy.pipeline.qemu.NetworkProbe;
import dev.unideploy.pipeline.qemu.QemuLauncher;
import dev.unideploy.pipeline.qemu.QemuProcess;
import dev.unideploy.pipeline.qemu.ReadinessCheck;
import dev.unideploy.pipeline.qemu.SerialConsole;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Runs an instance's readiness checks from outside, with the same judges as boot verification: the
 * pipeline's {@link ConsoleMatcher} on the serial console (followed incrementally; a panic line
 * makes the instance unhealthy for good), the pipeline's {@link NetworkProbe} HTTP GET on the
 * forwarded port, and for TCP the pipeline's {@link BootWatcher} on the re-attached QEMU (a bare
 * connect to a user-mode forward always succeeds, so it asks QEMU whether the guest side of the
 * connection was established).
 */
final class ReadinessProbe {
  /** The outcome: ready or not, a panic seen, and the evidence. */
  record Result(boolean ready, boolean panicked, String detail) {}

  private final Map<String, Follow> consoles = new ConcurrentHashMap<>();

  /** A console being followed, and what has been seen on it. */
  private static final class Follow {
    final SerialConsole console;
    volatile String readyLine;
    volatile String panicLine;
    volatile String lastLine = "";

    Follow(Path file) {
      console = new SerialConsole(file);
    }
  }

  Result check(Readiness r, InstanceRecord instance) {
    Follow f = follow(r, instance);
    if (f.panicLine != null) {
      return new Result(false, true, "the guest printed a panic line: " + f.panicLine);
    }
    StringBuilder detail = new StringBuilder();
    boolean ready = true;
    if (r.serial() != null) {
      if (f.readyLine == null) {
        ready = false;
        detail.append("console has not printed /").append(r.serial()).append("/ yet");
        if (!f.lastLine.isEmpty()) {
          detail.append(" (last line: ").append(abbreviate(f.lastLine)).append(')');
        }
      } else {
        detail.append("console: ").append(abbreviate(f.readyLine));
      }
    }
    if (r.http() != null) {
      int port = instance.hostPort(r.port());
      String h = http(port, r.http());
      ready &= NetworkProbe.isReadyHttp(h);
      append(detail, "GET :" + port + r.http() + " -> " + h);
    }
    if (r.tcp() != null) {
      String t = tcp(instance, r.port());
      ready &= t.equals("open");
      append(detail, "tcp guest port " + r.port() + ": " + t);
    }
    if (r.isEmpty()) {
      detail.append("QEMU running (no readiness check configured)");
    }
    return new Result(ready, false, detail.toString());
  }

  /** Reads new console lines; the first readiness and panic lines are remembered. */
  private Follow follow(Readiness r, InstanceRecord instance) {
    Follow f = consoles.computeIfAbsent(instance.serialLog(), p -> new Follow(Path.of(p)));
    ConsoleMatcher matcher =
        r.serial() == null ? ConsoleMatcher.panicsOnly() : ConsoleMatcher.ready(r.serial());
    for (String line : f.console.poll()) {
      f.lastLine = line;
      judge(matcher, f, line);
    }
    String partial = f.console.partialLine();
    if (!partial.isEmpty()) {
      // A banner without a newline still counts: some unikernels print none after it.
      judge(matcher, f, partial);
    }
    return f;
  }

  private static void judge(ConsoleMatcher matcher, Follow f, String line) {
    switch (matcher.classify(line)) {
      case PANIC -> {
        if (f.panicLine == null) {
          f.panicLine = abbreviate(line.trim());
        }
      }
      case READY -> {
        if (f.readyLine == null) {
          f.readyLine = line.trim();
        }
      }
      default -> {}
    }
  }

  static String http(int port, String path) {
    return port <= 0 ? "no forwarded port" : NetworkProbe.describeHttp(port, path);
  }

  /** Re-attaches to the instance's QEMU and lets the boot watcher probe the port briefly. */
  static String tcp(InstanceRecord instance, int guestPort) {
    if (instance.workDir() == null) {
      return "no QEMU state folder recorded";
    }
    Optional<QemuProcess> qemu;
    try {
      qemu = new QemuLauncher().attach(Path.of(instance.workDir()));
    } catch (IOException e) {
      return "cannot reach QEMU's monitor: " + e.getMessage();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "interrupted";
    }
    if (qemu.isEmpty()) {
      return "QEMU is not running";
    }
    try {
      // The watcher counts its timeout from QEMU's start: give it about two probes from now.
      Duration window = Duration.between(qemu.get().started(), Instant.now()).plusMillis(1200);
      BootOutcome o =
          new BootWatcher(ConsoleMatcher.panicsOnly(), new ReadinessCheck.Tcp(guestPort))
              .await(qemu.get(), window);
      return o.ready() ? "open" : "not accepted yet (" + o.status() + ")";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "interrupted";
    } finally {
      qemu.get().release();
    }
  }

  private static void append(StringBuilder sb, String s) {
    sb.append(sb.length() == 0 ? "" : "; ").append(s);
  }

  private static String abbreviate(String s) {
    return s.length() <= 120 ? s : s.substring(0, 117) + "...";
  }
}
