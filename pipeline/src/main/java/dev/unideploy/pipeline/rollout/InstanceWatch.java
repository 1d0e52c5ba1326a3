package dev.unideploy.pipeline.rollout;

import dev.unideploy.pipeline.health.Readiness;
import dev.unideploy.pipeline.qemu.ConsoleMatcher;
import dev.unideploy.pipeline.qemu.NetworkProbe;
import dev.unideploy.pipeline.qemu.SerialConsole;
import dev.unideploy.pipeline.spi.ConsoleChunk;
import dev.unideploy.pipeline.spi.Fleet;
import dev.unideploy.pipeline.spi.InstanceState;
import dev.unideploy.pipeline.spi.ServerGroup;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;

/**
 * Judges one instance from outside, check after check: its console (followed incrementally; the
 * first panic line makes it unhealthy for good), its lifecycle, the load balancer's view, and the
 * configured HTTP/TCP probes on the address the provider reports. Healthy needs {@code consecutive}
 * good checks in a row, and a healthy instance stays healthy until {@code consecutive} checks in a
 * row fail (as a load balancer's healthy and unhealthy thresholds work), so one slow answer during
 * a bake does not roll a release back.
 */
final class InstanceWatch {
  /** What one check found. */
  enum Verdict {
    STARTING,
    HEALTHY,
    FAILED
  }

  private final String instanceId;
  private final SerialConsole console = SerialConsole.fed();
  private long consoleOffset;
  private String readyLine;
  private String panicLine;
  private int goodInARow;
  private int badInARow;
  private String detail = "not checked yet";
  private String lastGood;
  private Verdict verdict = Verdict.STARTING;

  InstanceWatch(String instanceId) {
    this.instanceId = instanceId;
  }

  String instanceId() {
    return instanceId;
  }

  String detail() {
    return detail;
  }

  Verdict verdict() {
    return verdict;
  }

  /** The last console lines seen, for failure reports. */
  List<String> consoleTail(int n) {
    return console.tail(n);
  }

  Verdict check(
      Fleet fleet,
      ServerGroup group,
      InstanceState state,
      Readiness readiness,
      ConsoleMatcher matcher,
      int consecutive,
      boolean inService) {
    if (verdict == Verdict.FAILED) {
      return verdict;
    }
    follow(fleet, group, matcher);
    if (panicLine != null) {
      return fail("the guest printed a panic line: " + panicLine);
    }
    switch (state.lifecycle()) {
      case FAILED, TERMINATED, STOPPING:
        return fail(
            "the instance is "
                + state.lifecycle().name().toLowerCase(java.util.Locale.ROOT)
                + (state.reason().isEmpty() ? "" : ": " + state.reason()));
      case PENDING:
        return miss(
            "pending" + (state.reason().isEmpty() ? "" : ": " + state.reason()), consecutive);
      case RUNNING:
      default:
        break;
    }
    List<String> good = new ArrayList<>();
    List<String> missing = new ArrayList<>();
    if (readiness.serial() != null) {
      if (readyLine != null) {
        good.add("console: " + readyLine);
      } else {
        missing.add("console has not printed /" + readiness.serial() + "/ yet");
      }
    }
    if (readiness.http() != null || readiness.tcp() != null) {
      if (state.probeAddress().isEmpty()) {
        // Unreachable from here (private network): the load balancer's view stands in.
        if (state.traffic() != InstanceState.Traffic.HEALTHY) {
          missing.add("no probe address; load balancer says " + traffic(state));
        }
      } else {
        InetSocketAddress a = state.probeAddress().get();
        if (readiness.http() != null) {
          String h = NetworkProbe.describeHttp(a, readiness.http());
          (NetworkProbe.isReadyHttp(h) ? good : missing)
              .add("GET " + a.getPort() + readiness.http() + " -> " + h);
        }
        if (readiness.tcp() != null) {
          String t = tcp(a);
          (t.equals("open") ? good : missing).add("tcp " + a.getPort() + ": " + t);
        }
      }
    }
    switch (state.traffic()) {
      case UNHEALTHY -> missing.add("load balancer says unhealthy" + reason(state));
      case HEALTHY -> good.add("load balancer says healthy");
      case INITIAL, NOT_REGISTERED, DRAINING -> {
        if (inService) {
          missing.add("load balancer says " + traffic(state));
        }
      }
      case UNKNOWN -> {}
    }
    if (missing.isEmpty()) {
      goodInARow++;
      badInARow = 0;
      detail = good.isEmpty() ? "running (no readiness check configured)" : String.join("; ", good);
      lastGood = detail;
      if (goodInARow >= consecutive) {
        verdict = Verdict.HEALTHY;
      }
      return verdict;
    }
    return miss(String.join("; ", missing), consecutive);
  }

  /** A failed check: healthy instances stay healthy until {@code consecutive} such in a row. */
  private Verdict miss(String why, int consecutive) {
    goodInARow = 0;
    badInARow++;
    if (verdict != Verdict.HEALTHY || badInARow >= consecutive) {
      verdict = Verdict.STARTING;
    }
    // Still healthy (one miss is tolerated): the report keeps what proved it, and the miss.
    detail = verdict == Verdict.HEALTHY ? lastGood + "; last check: " + why : why;
    return verdict;
  }

  private Verdict fail(String why) {
    detail = why;
    return verdict = Verdict.FAILED;
  }

  private void follow(Fleet fleet, ServerGroup group, ConsoleMatcher matcher) {
    ConsoleChunk chunk = fleet.console(group, instanceId, consoleOffset);
    consoleOffset = chunk.next();
    List<String> lines = new ArrayList<>(console.feed(chunk.text()));
    String partial = console.partialLine();
    if (!partial.isEmpty()) {
      // A banner without a newline still counts: some unikernels print none after it.
      lines.add(partial);
    }
    for (String line : lines) {
      switch (matcher.classify(line)) {
        case PANIC -> {
          if (panicLine == null) {
            panicLine = abbreviate(line.trim());
          }
        }
        case READY -> {
          if (readyLine == null) {
            readyLine = abbreviate(line.trim());
          }
        }
        default -> {}
      }
    }
  }

  /**
   * A TCP probe that also works through port forwarding (QEMU user networking, SSH tunnels), where
   * the connect itself always succeeds: a forwarder closes the connection at once when the guest
   * refuses, while a listening server keeps it open (or greets).
   */
  static String tcp(InetSocketAddress address) {
    try (Socket s = new Socket()) {
      s.connect(address, 2000);
      s.setSoTimeout(1500);
      InputStream in = s.getInputStream();
      try {
        return in.read() < 0 ? "closed by the peer (nothing listens)" : "open";
      } catch (SocketTimeoutException e) {
        return "open";
      }
    } catch (IOException e) {
      return e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
    }
  }

  private static String traffic(InstanceState s) {
    return s.traffic().name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ') + reason(s);
  }

  private static String reason(InstanceState s) {
    return s.reason().isEmpty() ? "" : " (" + s.reason() + ")";
  }

  private static String abbreviate(String s) {
    return s.length() <= 120 ? s : s.substring(0, 117) + "...";
  }
}
