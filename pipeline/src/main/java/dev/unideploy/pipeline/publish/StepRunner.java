package dev.unideploy.pipeline.publish;

import dev.unideploy.pipeline.events.EventSink;
import dev.unideploy.pipeline.events.LogEvent;
import dev.unideploy.pipeline.events.TimingEvent;
import dev.unideploy.pipeline.state.Journal;
import dev.unideploy.pipeline.state.JournalEntry;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.function.Supplier;

/** Runs one named step: announces it, times it, and journals started / done / failed. */
public final class StepRunner {
  private final EventSink events;
  private final Journal journal;
  private final Clock clock;

  public StepRunner(EventSink events, Journal journal, Clock clock) {
    this.events = events;
    this.journal = journal;
    this.clock = clock;
  }

  public <T> T run(String step, String announce, Supplier<T> body) {
    events.emit(LogEvent.info(step, announce));
    journal.append(new JournalEntry(clock.instant(), step, "started", Map.of()));
    long start = System.nanoTime();
    try {
      T result = body.get();
      journal.append(new JournalEntry(clock.instant(), step, "done", Map.of()));
      return result;
    } catch (RuntimeException e) {
      String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
      journal.append(new JournalEntry(clock.instant(), step, "failed", Map.of("error", why)));
      throw e;
    } finally {
      events.emit(new TimingEvent(step, Duration.ofNanos(System.nanoTime() - start)));
    }
  }
}
