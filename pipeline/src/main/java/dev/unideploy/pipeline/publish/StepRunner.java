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
 * "done" only reports what happened, so it is written with the next entry ({@link
 * Journal#appendLater}): on remote state that halves the writes a publish makes.
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

  /** Runs a step that may change things outside this machine. */
  public <T> T run(String step, String announce, Supplier<T> body) {
    return run(step, announce, body, true);
  }

  /**
   * Runs a step that changes nothing outside this machine (hashing, the verification boot): there
   * is nothing for a lost lock to stop, so even its "started" waits for the next step's entry.
   */
  public <T> T runLocally(String step, String announce, Supplier<T> body) {
    return run(step, announce, body, false);
  }

  private <T> T run(String step, String announce, Supplier<T> body, boolean changes) {
    events.emit(LogEvent.info(step, announce));
    JournalEntry started = new JournalEntry(clock.instant(), step, "started", Map.of());
    if (changes) {
      journal.append(started);
    } else {
      journal.appendLater(started);
    }
    long start = System.nanoTime();
    try {
      T result = body.get();
      journal.appendLater(new JournalEntry(clock.instant(), step, "done", Map.of()));
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
