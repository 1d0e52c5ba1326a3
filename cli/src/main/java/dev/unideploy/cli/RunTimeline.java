package dev.unideploy.cli;

import dev.unideploy.pipeline.events.Event;
import dev.unideploy.pipeline.events.EventSink;
import dev.unideploy.pipeline.events.LogEvent;
import dev.unideploy.pipeline.events.ProgressEvent;
import dev.unideploy.pipeline.events.TimingEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * What a run did, step by step, from its events: when each step started (offset from the start),
 * how long it took, what it announced, and the last count of each counted task (such as "healthy
 * web-v002: 2 / 2"); the job summary draws it. Warnings are kept for annotations.
 */
final class RunTimeline implements EventSink {
  /** One step of the run. */
  record Step(String name, Duration start, Duration took, String announce) {}

  private final LongSupplier nanos;
  private final long origin;
  private final Map<String, Step> steps = new LinkedHashMap<>();
  private final Map<String, ProgressEvent> counts = new LinkedHashMap<>();
  private final List<String> warnings = new ArrayList<>();

  RunTimeline(LongSupplier nanos) {
    this.nanos = nanos;
    this.origin = nanos.getAsLong();
  }

  @Override
  public synchronized void emit(Event event) {
    Duration now = Duration.ofNanos(nanos.getAsLong() - origin);
    if (event instanceof LogEvent l) {
      if (l.level() == LogEvent.Level.WARN) {
        warnings.add(l.message());
      }
      if (l.level() != LogEvent.Level.DEBUG) {
        steps.putIfAbsent(l.step(), new Step(l.step(), now, null, l.message()));
      }
    } else if (event instanceof TimingEvent t) {
      Step s = steps.get(t.step());
      Duration start = s == null ? now.minus(t.elapsed()) : s.start();
      steps.put(t.step(), new Step(t.step(), start, t.elapsed(), s == null ? "" : s.announce()));
    } else if (event instanceof ProgressEvent p && p.unit() == ProgressEvent.Unit.ITEMS) {
      counts.put(p.task(), p);
    }
  }

  synchronized List<Step> steps() {
    return List.copyOf(steps.values());
  }

  /** Each counted task's last report, such as the health gate's healthy instances. */
  synchronized Map<String, ProgressEvent> counts() {
    return Map.copyOf(counts);
  }

  synchronized List<String> warnings() {
    return List.copyOf(warnings);
  }
}
