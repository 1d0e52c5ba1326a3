package dev.unideploy.pipeline.events;

import java.util.Objects;

/** A line of narration from a step, at a level the renderer may filter. */
public record LogEvent(Level level, String step, String message) implements Event {

  /** How much a reader should care about a log line. */
  public enum Level {
    DEBUG,
    INFO,
    WARN
  }

  public LogEvent {
    Objects.requireNonNull(level, "level");
    Objects.requireNonNull(step, "step");
    Objects.requireNonNull(message, "message");
  }

  public static LogEvent info(String step, String message) {
    return new LogEvent(Level.INFO, step, message);
  }

  public static LogEvent warn(String step, String message) {
    return new LogEvent(Level.WARN, step, message);
  }

  public static LogEvent debug(String step, String message) {
    return new LogEvent(Level.DEBUG, step, message);
  }
}
