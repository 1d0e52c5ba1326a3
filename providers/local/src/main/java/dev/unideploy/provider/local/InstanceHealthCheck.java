package dev.unideploy.provider.local;

import dev.unideploy.pipeline.spi.GroupHealth.InstanceHealth;
import dev.unideploy.pipeline.spi.GroupHealth.InstanceHealth.State;
import java.time.Clock;
import java.time.Duration;

/**
 * Judges one instance: a QEMU process that is gone (crashed, killed) or whose pid now belongs to
 * another process is UNHEALTHY and says so; a running one is HEALTHY once its readiness checks
 * pass, STARTING before that, and UNHEALTHY when its boot timeout has passed without them.
 */
final class InstanceHealthCheck {
  private final ReadinessProbe probe = new ReadinessProbe();
  private final Clock clock;

  InstanceHealthCheck(Clock clock) {
    this.clock = clock;
  }

  InstanceHealth check(GroupRecord group, InstanceRecord i) {
    switch (i.identity().status()) {
      case EXITED:
        return new InstanceHealth(
            i.name(),
            State.UNHEALTHY,
            "QEMU (pid "
                + i.pid()
                + ") is no longer running: it crashed or was killed; see "
                + i.serialLog()
                + " and "
                + i.qemuLog());
      case PID_REUSED:
        return new InstanceHealth(
            i.name(),
            State.UNHEALTHY,
            "QEMU (pid "
                + i.pid()
                + ") has exited and its pid now belongs to another process; see "
                + i.qemuLog());
      case ALIVE:
      default:
        break;
    }
    ReadinessProbe.Result r = probe.check(group.readiness(), i);
    if (r.panicked()) {
      return new InstanceHealth(i.name(), State.UNHEALTHY, r.detail() + "; see " + i.serialLog());
    }
    if (r.ready()) {
      return new InstanceHealth(i.name(), State.HEALTHY, r.detail());
    }
    Duration age = Duration.between(i.startedAt(), clock.instant());
    if (age.toSeconds() >= group.bootTimeoutSeconds()) {
      return new InstanceHealth(
          i.name(),
          State.UNHEALTHY,
          "not ready "
              + age.toSeconds()
              + " s after start (boot timeout "
              + group.bootTimeoutSeconds()
              + " s): "
              + r.detail());
    }
    return new InstanceHealth(i.name(), State.STARTING, r.detail());
  }
}
