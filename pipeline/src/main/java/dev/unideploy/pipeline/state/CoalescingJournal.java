package dev.unideploy.pipeline.state;

import java.util.ArrayList;
import java.util.List;

/**
 * Holds back the entries given to {@link #appendLater} and writes them with the next appended one,
 * as one {@link Journal#appendAll} of the journal underneath. A publish's steps each record "done"
 * and then the next step's "started" with nothing changed in between, so on a remote journal, where
 * every write is a round trip to object storage, the two cost one write instead of two.
 *
 * <p>Readers of this journal see the held entries too. What the journal underneath holds when a run
 * changes anything is what it would hold without this class: the change is preceded by an {@link
 * #append}, which writes everything held first.
 */
public final class CoalescingJournal implements Journal {
  private final Journal journal;
  private final List<JournalEntry> held = new ArrayList<>();

  public CoalescingJournal(Journal journal) {
    this.journal = journal;
  }

  @Override
  public void append(JournalEntry entry) {
    appendAll(List.of(entry));
  }

  @Override
  public synchronized void appendAll(List<JournalEntry> entries) {
    List<JournalEntry> batch = new ArrayList<>(held);
    batch.addAll(entries);
    if (!batch.isEmpty()) {
      journal.appendAll(batch);
    }
    held.clear();
  }

  @Override
  public synchronized void appendLater(JournalEntry entry) {
    held.add(entry);
  }

  @Override
  public synchronized void flush() {
    appendAll(List.of());
  }

  @Override
  public synchronized List<JournalEntry> entries() {
    List<JournalEntry> all = new ArrayList<>(journal.entries());
    all.addAll(held);
    return List.copyOf(all);
  }

  @Override
  public List<String> openNotices() {
    return journal.openNotices();
  }
}
