package dev.unideploy.pipeline.state;

import java.util.ArrayList;
import java.util.List;

/** A journal that lives only as long as the process: for library callers and tests. */
public final class MemoryJournal implements Journal {
  private final List<JournalEntry> entries = new ArrayList<>();

  @Override
  public synchronized void append(JournalEntry entry) {
    entries.add(entry);
  }

  @Override
  public synchronized List<JournalEntry> entries() {
    return List.copyOf(entries);
  }
}
