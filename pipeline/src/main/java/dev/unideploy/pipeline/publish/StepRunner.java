package dev.unideploy.pipeline.publish;

import dev.unideploy.pipeline.events.EventSink;
import dev.unideploy.pipeline.events.LogEvent;
import dev.unideploy.pipeline.events.TimingEvent;
import dev.unideploy.pipeline.state.Journal;
import dev.unideploy.pipeline.state.JournalEntry;
import dev.unideploy.pipeline.state.LockLostException;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Runs one named step: announces it, times it, and journals started / done / failed. The "started"
 * entry is written before the step does anything, and the journal of a {@link
 * dev.unideploy.pipeline.job.JobSession} refuses entries once the run has lost its app's lock: so a
 * run that lost its lock stops here, before the step's first change ({@link LockLostException}).
 */
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
    } catch (LockLostException e) {
      throw e; // the journal is no longer this run's to write
    } catch (RuntimeException e) {
      String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
      try {
        journal.append(new JournalEntry(clock.instant(), step, "failed", Map.of("error", why)));
      } catch (LockLostException lost) {
        e.addSuppressed(lost);
      }
      throw e;
    } finally {
      events.emit(new TimingEvent(step, Duration.ofNanos(System.nanoTime() - start)));
    }
  }
}
