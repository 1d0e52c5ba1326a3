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
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Judges a server group's instances from outside ({@link InstanceWatch}): waits until enough are
 * healthy, with a deadline ({@link #await}), or watches a serving group for a while ({@link
 * #bake}). A panic on an instance's console or an instance that dies fails at once; the deadline
 * fails with the state of every instance. The gate remembers each instance between calls (console
 * offset, consecutive good checks), so a bake continues from the gate before it.
 */
public final class HealthGate {
  private final Fleet fleet;
  private final Readiness readiness;
  private final ConsoleMatcher matcher;
  private final HealthSettings settings;
  private final EventSink events;
  private final RolloutClock clock;
  private final Cancellation cancellation;
  private final Map<String, Map<String, InstanceWatch>> watches = new HashMap<>();

  /** How the gate waits between checks (tests pass one that does not sleep). */
  @FunctionalInterface
  public interface Sleeper {
    void sleep(Duration d) throws InterruptedException;
  }

  public HealthGate(
      Fleet fleet, HealthSettings settings, Integer firstPort, EventSink events, Sleeper sleeper) {
    this(
        fleet,
        settings,
        firstPort,
        events,
        RolloutClock.sleepingWith(sleeper::sleep),
        new Cancellation());
  }

  public HealthGate(
      Fleet fleet,
      HealthSettings settings,
      Integer firstPort,
      EventSink events,
      RolloutClock clock,
      Cancellation cancellation) {
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
    this.clock = clock;
    this.cancellation = cancellation;
  }

  /** The same checks with another cancellation (a rollback must not be cut short by Ctrl-C). */
  HealthGate withCancellation(Cancellation other) {
    HealthGate g = new HealthGate(fleet, settings, readiness.port(), events, clock, other);
    g.watches.putAll(watches);
    return g;
  }

  public HealthSettings settings() {
    return settings;
  }

  /**
   * Returns when {@code expected} instances of {@code group} are healthy; throws {@link
   * RolloutFailure} naming the unhealthy instances (with their console tails) otherwise.
   */
  public List<InstanceReport> await(ServerGroup group, int expected) {
    return await(group, expected, false, Long.MAX_VALUE);
  }

  /**
   * Like {@link #await(ServerGroup, int)}.
   *
   * @param inService the group serves: the load balancer must call each instance healthy too
   * @param notAfterNanos a deadline on {@link RolloutClock#nanoTime()} that cuts the wait short
   *     (the rollout's own); {@code health.timeout} applies in any case
   */
  public List<InstanceReport> await(
      ServerGroup group, int expected, boolean inService, long notAfterNanos) {
    Duration timeout = settings.timeout();
    long start = clock.nanoTime();
    long deadline = start + timeout.toNanos();
    boolean rolloutDeadline = notAfterNanos - deadline < 0;
    if (rolloutDeadline) {
      deadline = notAfterNanos;
    }
    String task = "healthy " + group.name();
    while (true) {
      Round r = round(group, inService);
      events.emit(
          ProgressEvent.of(
              task, Math.min(r.healthy, expected), expected, ProgressEvent.Unit.ITEMS));
      if (!r.failed.isEmpty()) {
        throw new RolloutFailure(
            String.join(", ", r.failed) + " of " + group.name() + " failed its health checks",
            r.reports);
      }
      if (r.healthy >= expected) {
        return r.reports;
      }
      if (clock.nanoTime() - deadline >= 0) {
        throw new RolloutFailure(
            (rolloutDeadline
                    ? "the rollout reached its deadline (deploy.timeout)"
                    : "timed out after " + timeout.toSeconds() + " s")
                + " waiting for "
                + expected
                + " healthy instance(s) of "
                + group.name()
                + " ("
                + r.healthy
                + " healthy); raise health.timeout if the machine is slow (QEMU without KVM is)",
            r.reports);
      }
      pause(group, r);
    }
  }

  /**
   * Watches a serving group for {@code time}: it fails as soon as an instance fails (panic, crash)
   * or fewer than {@code expected} stay healthy.
   */
  public List<InstanceReport> bake(ServerGroup group, int expected, Duration time) {
    Map<String, InstanceWatch> known = watches.get(group.name());
    if (known == null
        || known.values().stream().noneMatch(w -> w.verdict() == InstanceWatch.Verdict.HEALTHY)) {
      // A resumed rollout bakes without the gate's history: prove the group healthy first.
      await(group, expected, true, Long.MAX_VALUE);
    }
    long end = clock.nanoTime() + time.toNanos();
    String task = "bake " + group.name();
    long total = Math.max(1, time.toSeconds());
    long start = clock.nanoTime();
    while (true) {
      Round r = round(group, true);
      long elapsed = (clock.nanoTime() - start) / 1_000_000_000L;
      events.emit(
          ProgressEvent.of(task, Math.min(elapsed, total), total, ProgressEvent.Unit.SECONDS));
      if (!r.failed.isEmpty()) {
        throw new RolloutFailure(
            String.join(", ", r.failed) + " of " + group.name() + " failed while baking",
            r.reports);
      }
      if (r.healthy < expected) {
        throw new RolloutFailure(
            "only "
                + r.healthy
                + " of "
                + expected
                + " instance(s) of "
                + group.name()
                + " stayed healthy while baking",
            r.reports);
      }
      if (clock.nanoTime() - end >= 0) {
        events.emit(ProgressEvent.finished(task, total, total, ProgressEvent.Unit.SECONDS));
        return r.reports;
      }
      pause(group, r);
    }
  }

  /** One check of every instance, without waiting: what {@code unideploy status} shows. */
  public List<InstanceReport> look(ServerGroup group) {
    return round(group, group.inService()).reports;
  }

  private void pause(ServerGroup group, Round r) {
    if (cancellation.requested()) {
      throw new RolloutFailure(
          cancellation.reason() + " while checking " + group.name(), r.reports);
    }
    try {
      clock.sleep(settings.intervalOr(fleet.defaultHealthInterval()));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RolloutFailure("interrupted while checking " + group.name(), r.reports);
    }
  }

  private record Round(int healthy, List<String> failed, List<InstanceReport> reports) {}

  private Round round(ServerGroup group, boolean inService) {
    Map<String, InstanceWatch> mine =
        watches.computeIfAbsent(group.name(), k -> new LinkedHashMap<>());
    List<InstanceState> states = fleet.instances(group);
    int healthy = 0;
    List<String> failed = new ArrayList<>();
    for (InstanceState s : states) {
      InstanceWatch w = mine.computeIfAbsent(s.id(), InstanceWatch::new);
      InstanceWatch.Verdict v =
          w.check(fleet, group, s, readiness, matcher, settings.consecutive(), inService);
      if (v == InstanceWatch.Verdict.HEALTHY) {
        healthy++;
      } else if (v == InstanceWatch.Verdict.FAILED) {
        failed.add(s.id());
      }
    }
    return new Round(healthy, failed, reports(mine, states));
  }

  private static List<InstanceReport> reports(
      Map<String, InstanceWatch> watches, List<InstanceState> states) {
    List<InstanceReport> out = new ArrayList<>();
    for (InstanceState s : states) {
      InstanceWatch w = watches.get(s.id());
      out.add(
          new InstanceReport(
              s.id(),
              w == null ? "starting" : w.verdict().name().toLowerCase(Locale.ROOT),
              w == null ? "" : w.detail(),
              w == null ? List.of() : w.consoleTail(10)));
    }
    return out;
  }
}
