package dev.unideploy.provider.local;

import dev.unideploy.pipeline.qemu.ProcessIdentity;
import dev.unideploy.pipeline.qemu.QemuLauncher;
import dev.unideploy.pipeline.qemu.QemuProcess;
import dev.unideploy.pipeline.spi.InstanceState;
import dev.unideploy.provider.local.balancer.BalancerStatus;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What the local fleet knows of one instance, as an {@link InstanceState}: whether its QEMU runs
 * (pid and kernel start time), QEMU's own run state over QMP (a guest that QEMU paused, for example
 * with "KVM internal error ... emulation failure", is failed at once, with QEMU's message, not
 * after a health timeout), the load balancer's view of it, and where its app port is reachable.
 */
final class InstanceFacts {
  /** How long an instance may go without its QEMU being known before it counts as failed. */
  static final Duration SPAWN_GRACE = Duration.ofSeconds(60);

  private static final Duration MONITOR_TIMEOUT = Duration.ofSeconds(3);
  private static final Set<String> STARTING = Set.of("prelaunch", "inmigrate", "restore-vm");

  private final QemuLauncher launcher = new QemuLauncher();
  private final InstanceRegistry registry;
  private final Clock clock;

  InstanceFacts(InstanceRegistry registry, Clock clock) {
    this.registry = registry;
    this.clock = clock;
  }

  /** The instance now; {@code lb} is the app's balancer report (empty when it has none). */
  InstanceState state(
      GroupRecord g, InstanceRecord i, Optional<BalancerStatus> lb, boolean endpoint) {
    i = adopt(g, i);
    InstanceState.Traffic traffic = traffic(g, i, lb, endpoint);
    Optional<InetSocketAddress> probe = Optional.empty();
    if (!g.guestPorts().isEmpty() && i.hostPort(g.guestPorts().get(0)) > 0) {
      probe =
          Optional.of(
              new InetSocketAddress(
                  InetAddress.getLoopbackAddress(), i.hostPort(g.guestPorts().get(0))));
    }
    Map<String, String> attrs = attributes(i);
    if (!i.spawned()) {
      boolean late = i.startedAt().plus(SPAWN_GRACE).isBefore(clock.instant());
      return new InstanceState(
          i.name(),
          late ? InstanceState.Lifecycle.FAILED : InstanceState.Lifecycle.PENDING,
          traffic,
          late ? "QEMU never started: see " + i.qemuLog() : "starting QEMU",
          probe,
          attrs);
    }
    switch (i.identity().status()) {
      case EXITED -> {
        return failed(
            i,
            traffic,
            probe,
            attrs,
            "QEMU (pid "
                + i.pid()
                + ") is no longer running: it crashed or was killed"
                + qemuSays(i)
                + "; see "
                + i.serialLog()
                + " and "
                + i.qemuLog());
      }
      case PID_REUSED -> {
        return failed(
            i,
            traffic,
            probe,
            attrs,
            "QEMU (pid "
                + i.pid()
                + ") has exited and its pid now belongs to another process; see "
                + i.qemuLog());
      }
      case ALIVE -> {}
    }
    Optional<String> run = runState(i);
    if (run.isPresent() && !run.get().equals("running")) {
      if (STARTING.contains(run.get())) {
        return new InstanceState(
            i.name(), InstanceState.Lifecycle.PENDING, traffic, "QEMU: " + run.get(), probe, attrs);
      }
      attrs.put("runState", run.get());
      return failed(
          i, traffic, probe, attrs, "QEMU stopped the guest (" + run.get() + ")" + qemuSays(i));
    }
    String reason =
        "pid " + i.pid() + ", " + i.accelerator() + (i.note() == null ? "" : "; " + i.note());
    return new InstanceState(
        i.name(), InstanceState.Lifecycle.RUNNING, traffic, reason, probe, attrs);
  }

  /** Whether {@code state} is QEMU pausing the guest because KVM could not run it. */
  static boolean kvmFailed(InstanceRecord i, InstanceState state) {
    return "kvm".equals(i.accelerator())
        && state.lifecycle() == InstanceState.Lifecycle.FAILED
        && "internal-error".equals(state.attributes().get("runState"));
  }

  /** An instance recorded before its QEMU was: its process, found through what QEMU wrote. */
  private InstanceRecord adopt(GroupRecord g, InstanceRecord i) {
    if (i.spawned()) {
      return i;
    }
    Optional<ProcessIdentity> id = QemuLauncher.recordedProcess(Path.of(i.workDir()));
    if (id.isEmpty()) {
      return i;
    }
    InstanceRecord found = i.withProcess(id.get().pid(), id.get().startTime(), i.accelerator());
    registry.update(g.name(), r -> r.withChanged(i.name(), x -> x.spawned() ? x : found));
    return found;
  }

  private Optional<String> runState(InstanceRecord i) {
    try {
      Optional<QemuProcess> q = launcher.attach(Path.of(i.workDir()), MONITOR_TIMEOUT);
      if (q.isEmpty()) {
        return Optional.empty();
      }
      try {
        return q.get().runState(MONITOR_TIMEOUT);
      } finally {
        q.get().release();
      }
    } catch (IOException | RuntimeException e) {
      // The monitor is busy (another unideploy asks) or not up yet: no verdict from it this time.
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
  }

  private static InstanceState.Traffic traffic(
      GroupRecord g, InstanceRecord i, Optional<BalancerStatus> lb, boolean endpoint) {
    Optional<BalancerStatus.BackendStatus> b =
        lb.flatMap(s -> s.backends().stream().filter(x -> x.id().equals(i.name())).findFirst());
    if (!g.inService()) {
      return b.isPresent() && b.get().state() == BalancerStatus.State.DRAINING
          ? InstanceState.Traffic.DRAINING
          : InstanceState.Traffic.NOT_REGISTERED;
    }
    if (!endpoint || lb.isEmpty()) {
      return InstanceState.Traffic.UNKNOWN;
    }
    if (b.isEmpty()) {
      return InstanceState.Traffic.INITIAL; // Registered; the balancer has not reported it yet.
    }
    return switch (b.get().state()) {
      case HEALTHY -> InstanceState.Traffic.HEALTHY;
      case UNHEALTHY -> InstanceState.Traffic.UNHEALTHY;
      case INITIAL -> InstanceState.Traffic.INITIAL;
      case DRAINING -> InstanceState.Traffic.DRAINING;
    };
  }

  private static InstanceState failed(
      InstanceRecord i,
      InstanceState.Traffic traffic,
      Optional<InetSocketAddress> probe,
      Map<String, String> attrs,
      String reason) {
    return new InstanceState(
        i.name(), InstanceState.Lifecycle.FAILED, traffic, reason, probe, attrs);
  }

  /** QEMU's own error lines (KVM follows its one-line reason with a register dump: skip that). */
  private static String qemuSays(InstanceRecord i) {
    try {
      List<String> lines = Files.readAllLines(Path.of(i.qemuLog()), StandardCharsets.ISO_8859_1);
      List<String> said =
          lines.stream()
              .filter(
                  l -> {
                    String s = l.toLowerCase(Locale.ROOT);
                    return s.contains("error") || s.contains("failure") || s.contains("qemu");
                  })
              .filter(l -> !l.contains("terminating on signal"))
              .limit(3)
              .toList();
      return said.isEmpty() ? "" : ": " + String.join(" | ", said);
    } catch (IOException e) {
      return "";
    }
  }

  private static Map<String, String> attributes(InstanceRecord i) {
    Map<String, String> attrs = new LinkedHashMap<>();
    attrs.put("pid", Long.toString(i.pid()));
    i.ports().forEach(p -> attrs.put("port." + p.guest(), "127.0.0.1:" + p.host()));
    attrs.put("accelerator", String.valueOf(i.accelerator()));
    attrs.put("startedAt", i.startedAt().toString());
    attrs.put("serialLog", i.serialLog());
    attrs.put("qemuLog", i.qemuLog());
    if (i.note() != null) {
      attrs.put("note", i.note());
    }
    return attrs;
  }
}
