package dev.unideploy.pipeline.events;

import java.util.Objects;

/**
 * How far a long task has got: {@code done} of {@code total} units (total is -1 when unknown).
 *
 * <p>A task with the same {@code task} id reports repeatedly; the last event with {@code done ==
 * total} (or {@code finished}) closes it.
 */
public record ProgressEvent(String task, long done, long total, Unit unit, boolean finished)
    implements Event {

  /** What the counters count, so a renderer can format them (bytes as MiB/s, and so on). */
  public enum Unit {
    BYTES,
    BLOCKS,
    ITEMS,
    SECONDS
  }

  public ProgressEvent {
    Objects.requireNonNull(task, "task");
    Objects.requireNonNull(unit, "unit");
    if (done < 0) {
      throw new IllegalArgumentException("done must be >= 0, was " + done);
    }
  }

  public static ProgressEvent of(String task, long done, long total, Unit unit) {
    return new ProgressEvent(task, done, total, unit, total >= 0 && done >= total);
  }

  public static ProgressEvent finished(String task, long done, long total, Unit unit) {
    return new ProgressEvent(task, done, total, unit, true);
  }

  /** The fraction done in [0, 1], or -1 when the total is unknown. */
  public double fraction() {
    if (total <= 0) {
      return total == 0 ? 1.0 : -1;
    }
    return Math.min(1.0, (double) done / total);
  }
}
