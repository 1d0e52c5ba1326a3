package dev.unideploy.pipeline.state;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * One line of a deployment's journal: when, which step, what happened ({@code kind}: started,
 * progress, done, failed, or a step-specific word) and the step's data. Never put secrets in data.
 */
public record JournalEntry(Instant at, String step, String kind, Map<String, Object> data) {
  public JournalEntry {
    Objects.requireNonNull(at, "at");
    Objects.requireNonNull(step, "step");
    Objects.requireNonNull(kind, "kind");
    data = data == null ? Map.of() : Map.copyOf(data);
  }
}
