package dev.unideploy.pipeline.convert;

import dev.unideploy.image.write.WriteProgress;
import dev.unideploy.pipeline.events.EventSink;
import dev.unideploy.pipeline.events.ProgressEvent;
import java.util.function.LongConsumer;

/**
 * Turns image-formats' progress callbacks into ProgressEvents, at most ten a second (writers call
 * back for every MiB) plus the final one.
 */
public final class WriteProgressEvents implements WriteProgress {
  private static final long INTERVAL_NANOS = 100_000_000L;

  private final EventSink events;
  private final String task;
  private long last = Long.MIN_VALUE;

  public WriteProgressEvents(EventSink events, String task) {
    this.events = events;
    this.task = task;
  }

  @Override
  public synchronized void advanced(long bytesDone, long bytesTotal) {
    long now = System.nanoTime();
    if (last == Long.MIN_VALUE) {
      // Start the clock at zero: a first event at 1 MiB done would show an absurd rate.
      events.emit(ProgressEvent.of(task, 0, bytesTotal, ProgressEvent.Unit.BYTES));
      last = now;
    }
    if (bytesDone < bytesTotal && now - last < INTERVAL_NANOS) {
      return;
    }
    last = now;
    events.emit(ProgressEvent.of(task, bytesDone, bytesTotal, ProgressEvent.Unit.BYTES));
  }

  /** A consumer of bytes done, for {@code ContentHash}, with a fixed total. */
  public LongConsumer toward(long total) {
    return done -> advanced(done, total);
  }
}
