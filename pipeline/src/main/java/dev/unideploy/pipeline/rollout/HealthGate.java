package dev.unideploy.pipeline.rollout;

import dev.unideploy.pipeline.config.HealthSettings;
import dev.unideploy.pipeline.events.EventSink;
import dev.unideploy.pipeline.events.ProgressEvent;
import dev.unideploy.pipeline.health.Readiness;
import dev.unideploy.pipeline.qemu.ConsoleMatcher;
import dev.unideploy.pipeline.spi.Fleet;
import dev.unideploy.pipeline.spi.InstanceState;
import dev.unideploy.pipeline.spi.ServerGroup;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Waits until a server group has the expected number of healthy instances, judged from outside
 * ({@link InstanceWatch}), with a deadline. A panic on an instance's console or an instance that
 * dies fails the gate at once; the deadline fails it with the state of every instance.
 */
public final class HealthGate {
  private final Fleet fleet;
  private final Readiness readiness;
  private final ConsoleMatcher matcher;
  private final HealthSettings settings;
  private final EventSink events;
  private final Sleeper sleeper;

  /** How the gate waits between checks (tests pass one that does not sleep). */
  @FunctionalInterface
  public interface Sleeper {
    void sleep(Duration d) throws InterruptedException;
  }

  public HealthGate(
      Fleet fleet, HealthSettings settings, Integer firstPort, EventSink events, Sleeper sleeper) {
    this.fleet = fleet;
    this.settings = settings;
    this.readiness = settings.readiness(firstPort);
    ConsoleMatcher base =
        readiness.serial() == null
            ? ConsoleMatcher.panicsOnly()
            : ConsoleMatcher.ready(readiness.serial());
    List<Pattern> panics = new ArrayList<>(ConsoleMatcher.DEFAULT_PANIC_PATTERNS);
    settings.panic().forEach(p -> panics.add(Pattern.compile(p)));
    this.matcher = base.withPanicPatterns(panics);
    this.events = events;
    this.sleeper = sleeper;
  }

  /**
   * Returns when {@code expected} instances of {@code group} are healthy; throws {@link
   * RolloutFailure} naming the unhealthy instances (with their console tails) otherwise.
   */
  public List<InstanceReport> await(ServerGroup group, int expected) {
    Duration timeout = settings.timeout();
    long deadline = System.nanoTime() + timeout.toNanos();
    Map<String, InstanceWatch> watches = new LinkedHashMap<>();
    String task = "healthy " + group.name();
    while (true) {
      List<InstanceState> states = fleet.instances(group);
      int healthy = 0;
      List<InstanceWatch> failed = new ArrayList<>();
      for (InstanceState s : states) {
        InstanceWatch w = watches.computeIfAbsent(s.id(), InstanceWatch::new);
        InstanceWatch.Verdict v =
            w.check(fleet, group, s, readiness, matcher, settings.consecutive());
        if (v == InstanceWatch.Verdict.HEALTHY) {
          healthy++;
        } else if (v == InstanceWatch.Verdict.FAILED) {
          failed.add(w);
        }
      }
      events.emit(ProgressEvent.of(task, healthy, expected, ProgressEvent.Unit.ITEMS));
      if (!failed.isEmpty()) {
        throw new RolloutFailure(
            "instance(s) of " + group.name() + " failed their health checks",
            reports(watches, states));
      }
      if (healthy >= expected) {
        return reports(watches, states);
      }
      if (System.nanoTime() - deadline >= 0) {
        throw new RolloutFailure(
            "timed out after "
                + timeout.toSeconds()
                + " s waiting for "
                + expected
                + " healthy instance(s) of "
                + group.name()
                + " ("
                + healthy
                + " healthy); raise health.timeout if the machine is slow (QEMU without KVM is)",
            reports(watches, states));
      }
      try {
        sleeper.sleep(settings.interval());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new RolloutFailure(
            "interrupted while waiting for " + group.name(), reports(watches, states));
      }
    }
  }

  private static List<InstanceReport> reports(
      Map<String, InstanceWatch> watches, List<InstanceState> states) {
    List<InstanceReport> out = new ArrayList<>();
    for (InstanceState s : states) {
      InstanceWatch w = watches.get(s.id());
      out.add(
          new InstanceReport(
              s.id(),
              w == null ? "starting" : w.verdict().name().toLowerCase(java.util.Locale.ROOT),
              w == null ? "" : w.detail(),
              w == null ? List.of() : w.consoleTail(10)));
    }
    return out;
  }
}
