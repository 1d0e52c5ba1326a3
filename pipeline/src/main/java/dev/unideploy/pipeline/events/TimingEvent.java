package dev.unideploy.pipeline.events;

import java.time.Duration;
import java.util.Objects;

/** How long a step took; collected into the result and the job summary. */
public record TimingEvent(String step, Duration elapsed) implements Event {
  public TimingEvent {
    Objects.requireNonNull(step, "step");
    Objects.requireNonNull(elapsed, "elapsed");
  }
}
