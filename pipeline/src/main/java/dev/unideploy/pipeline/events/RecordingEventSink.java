package dev.unideploy.pipeline.events;

import java.util.ArrayList;
import java.util.List;

/** Keeps every event, in order; used by tests and by callers that render after the fact. */
public final class RecordingEventSink implements EventSink {
  private final List<Event> events = new ArrayList<>();

  @Override
  public synchronized void emit(Event event) {
    events.add(event);
  }

  public synchronized List<Event> events() {
    return List.copyOf(events);
  }

  public synchronized <T extends Event> List<T> eventsOf(Class<T> type) {
    return events.stream().filter(type::isInstance).map(type::cast).toList();
  }
}
