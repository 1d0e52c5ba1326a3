package dev.unideploy.pipeline.rollout;

import dev.unideploy.pipeline.config.DeploySettings;
import dev.unideploy.pipeline.config.HealthSettings;
import dev.unideploy.pipeline.events.RecordingEventSink;
import dev.unideploy.pipeline.state.MemoryJournal;
import java.time.Clock;
import java.time.Duration;

/**
 * One app's rollouts over a {@link MemoryFleet} and a journal, with a clock that only moves when
 * the rollout waits. {@link #restart()} is what running the command again after a crash is: a new
 * engine and gate (nothing remembered in memory) over the same fleet and journal.
 */
final class Harness {
  static final String APP = "web";

  final MemoryFleet fleet;
  final MemoryJournal journal = new MemoryJournal();
  final RecordingEventSink events = new RecordingEventSink();
  final Cancellation cancellation = new Cancellation();
  final HealthSettings health;
  long nanos;

  /** Every pause of the gate, in order. */
  final java.util.List<Duration> sleeps = new java.util.ArrayList<>();

  private int ids;
  Rollouts rollouts;

  Harness(int bootChecks) {
    this(
        bootChecks,
        new HealthSettings(
            "^READY",
            null,
            null,
            null,
            null,
            Duration.ofSeconds(60),
            null,
            2,
            Duration.ofSeconds(1)));
  }

  Harness(int bootChecks, HealthSettings health) {
    this.fleet = new MemoryFleet(bootChecks);
    this.health = health;
    restart();
  }

  /** A fresh engine over the same fleet and journal, as a new unideploy process builds it. */
  Harness restart() {
    RolloutClock clock =
        new RolloutClock() {
          @Override
          public long nanoTime() {
            return nanos;
          }

          @Override
          public void sleep(Duration d) {
            nanos += d.toNanos();
            sleeps.add(d);
          }
        };
    HealthGate gate = new HealthGate(fleet, health, null, events, clock, cancellation);
    RolloutEngine engine =
        new RolloutEngine(
            fleet,
            gate,
            new RolloutJournal(journal, Clock.systemUTC()),
            events,
            clock,
            cancellation,
            () -> {});
    rollouts = new Rollouts(fleet, engine, journal, APP, events);
    return this;
  }

  String id() {
    return "r" + (++ids);
  }

  Rollouts.Deployed deploy(String version, DeploySettings settings) {
    fleet.startWatching();
    return rollouts.deploy(id(), version, "img-" + version, settings);
  }

  static DeploySettings blueGreen(int n) {
    return new DeploySettings(DeploySettings.Strategy.BLUE_GREEN, n, null, null, 1);
  }
}
