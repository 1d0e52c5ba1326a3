package dev.unideploy.pipeline.events;

import java.util.Map;
import java.util.Objects;

/**
 * The machine-readable outcome of a command: a JSON-able tree (maps, lists, strings, numbers,
 * booleans) printed once by {@code --output json}, and summarised for humans otherwise.
 */
public record ResultEvent(String command, Map<String, Object> result) implements Event {
  public ResultEvent {
    Objects.requireNonNull(command, "command");
    result = Map.copyOf(result);
  }
}
