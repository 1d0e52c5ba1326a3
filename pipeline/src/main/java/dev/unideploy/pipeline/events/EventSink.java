package dev.unideploy.pipeline.events;

/**
 * Receives the events of a run. Implementations must be thread-safe: uploads report in parallel.
 */
@FunctionalInterface
public interface EventSink {

  void emit(Event event);

  /** A sink that drops everything, for library callers that do not care. */
  static EventSink discard() {
    return event -> {};
  }
}
