package dev.unideploy.pipeline.state.remote;

import dev.unideploy.pipeline.UnideployException;
import dev.unideploy.pipeline.state.Journal;
import dev.unideploy.pipeline.state.JournalEntry;
import dev.unideploy.pipeline.state.remote.JournalObjects.Batch;
import dev.unideploy.pipeline.state.remote.JournalObjects.Name;
import dev.unideploy.pipeline.state.remote.JournalObjects.Snapshot;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;

/**
 * A journal kept as objects in a bucket or container (layout: {@link JournalObjects}). An append
 * creates the next numbered batch with a create-only precondition; when another writer got that
 * number first, this one reads that batch (its entries come before ours) and tries the next number.
 * So concurrent writers never lose each other's entries, and every reader sees the same order. An
 * append whose answer was lost is recognised on read-back by its writer id, so it is recorded
 * exactly once.
 *
 * <p>This journal's view is what the store held when it was opened plus what it appended or met
 * while appending; a run holds the app's lock, so nobody else writes meanwhile in normal use.
 */
public final class ObjectJournal implements Journal {

  /** A snapshot is written after this many batches past the last one. */
  static final int SNAPSHOT_EVERY = 64;

  /** Appends give up after this many numbers taken by others in a row. */
  private static final int MAX_CONFLICTS = 10_000;

  private final ObjectStore store;
  private final String folder;
  private final String name;
  private final List<JournalEntry> entries = new ArrayList<>();
  private final List<String> notices = new ArrayList<>();
  private long lastSeq;
  private long snapshotSeq;

  private ObjectJournal(ObjectStore store, String folder, String name) {
    this.store = store;
    this.folder = folder;
    this.name = name;
  }

  /**
   * Opens the journal {@code name} whose objects live under {@code folder} (ending in a slash) and
   * reads every committed entry.
   *
   * @throws UnideployException when an object there is not one of this journal's (torn, foreign, or
   *     copied in): it is named, and nothing is changed
   */
  public static ObjectJournal open(ObjectStore store, String folder, String name) {
    ObjectJournal j = new ObjectJournal(store, folder, name);
    j.load();
    return j;
  }

  private void load() {
    TreeMap<Long, String> batches = new TreeMap<>();
    TreeMap<Long, String> snapshots = new TreeMap<>();
    for (String key : store.list(folder)) {
      Name n = JournalObjects.parseName(key.substring(folder.length()));
      if (n == null) {
        throw new UnideployException(
            "the journal folder "
                + store.url(folder)
                + " holds "
                + store.url(key)
                + ", which unideploy did not write: move it out of that folder (nothing was"
                + " changed), or point state: at a prefix of its own");
      }
      (n.snapshot() ? snapshots : batches).put(n.seq(), key);
    }
    long from = 0;
    for (Long through : snapshots.descendingKeySet()) {
      Optional<Snapshot> s = readSnapshot(snapshots.get(through), through);
      if (s.isPresent()) {
        entries.addAll(s.get().entries());
        from = through;
        snapshotSeq = through;
        break;
      }
    }
    long expected = from + 1;
    for (var e : batches.tailMap(from, false).entrySet()) {
      if (e.getKey() != expected) {
        notices.add(
            "batches "
                + expected
                + " to "
                + (e.getKey() - 1)
                + " of the journal "
                + store.url(folder)
                + " are missing (deleted by hand or by a lifecycle rule?); the entries they held"
                + " are not replayed");
      }
      Batch b = readBatch(e.getValue(), e.getKey());
      entries.addAll(b.entries());
      expected = e.getKey() + 1;
    }
    lastSeq = Math.max(from, batches.isEmpty() ? 0 : batches.lastKey());
  }

  private Optional<Snapshot> readSnapshot(String key, long through) {
    Optional<StoredObject> o = store.get(key);
    if (o.isEmpty()) {
      return Optional.empty();
    }
    try {
      return Optional.of(JournalObjects.decodeSnapshot(o.get().data(), name, through));
    } catch (JournalObjects.Damaged e) {
      // A snapshot only repeats batches that are still there: read those instead.
      notices.add(
          "the journal snapshot "
              + store.url(key)
              + " is unreadable ("
              + e.getMessage()
              + "); the batches it summarises were read instead");
      return Optional.empty();
    }
  }

  private Batch readBatch(String key, long seq) {
    StoredObject o =
        store
            .get(key)
            .orElseThrow(
                () ->
                    new UnideployException(
                        "the journal object "
                            + store.url(key)
                            + " was listed but is gone: someone is deleting journal objects;"
                            + " stop that, then re-run"));
    try {
      return JournalObjects.decodeBatch(o.data(), name, seq);
    } catch (JournalObjects.Damaged e) {
      throw damaged(key, e);
    }
  }

  private UnideployException damaged(String key, JournalObjects.Damaged e) {
    return new UnideployException(
        "the journal object "
            + store.url(key)
            + " is not a whole journal batch: "
            + e.getMessage()
            + ". It was not written by unideploy, or was changed since; nothing was changed."
            + " Inspect it: move it aside to drop what it held, then re-run");
  }

  @Override
  public void append(JournalEntry entry) {
    appendAll(List.of(entry));
  }

  /**
   * Appends {@code batch} as one object, so its entries are recorded together or not at all.
   *
   * @throws UnideployException when the store refuses, or others keep taking every number
   */
  @Override
  public synchronized void appendAll(List<JournalEntry> batch) {
    if (batch.isEmpty()) {
      return;
    }
    String id = UUID.randomUUID().toString();
    for (int conflicts = 0; conflicts < MAX_CONFLICTS; conflicts++) {
      long seq = lastSeq + 1;
      String key = folder + JournalObjects.batchName(seq);
      byte[] data =
          JournalObjects.encode(new Batch(JournalObjects.BATCH_FORMAT, name, seq, id, batch));
      if (store.createIfAbsent(key, data).isPresent()) {
        committed(seq, batch);
        return;
      }
      Optional<StoredObject> there = store.get(key);
      if (there.isEmpty()) {
        // Taken, then gone: only a person deleting objects does this. Try the number again.
        pause();
        continue;
      }
      Batch theirs;
      try {
        theirs = JournalObjects.decodeBatch(there.get().data(), name, seq);
      } catch (JournalObjects.Damaged e) {
        throw damaged(key, e);
      }
      if (theirs.batch().equals(id)) {
        // Our own write, whose answer was lost and whose retry found it in place.
        committed(seq, batch);
        return;
      }
      entries.addAll(theirs.entries());
      lastSeq = seq;
    }
    throw new UnideployException(
        "could not append to the journal "
            + store.url(folder)
            + ": other writers took "
            + MAX_CONFLICTS
            + " numbers in a row; is a run stuck in a loop against this state?");
  }

  private static void pause() {
    try {
      Thread.sleep(100);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UnideployException("interrupted while appending to the journal; re-run to resume");
    }
  }

  private void committed(long seq, List<JournalEntry> batch) {
    entries.addAll(batch);
    lastSeq = seq;
    if (seq - snapshotSeq >= SNAPSHOT_EVERY) {
      writeSnapshot(seq);
    }
  }

  /** Summarises batches 1..seq (all of which this journal has read or written) in one object. */
  private void writeSnapshot(long seq) {
    byte[] data =
        JournalObjects.encode(
            new Snapshot(JournalObjects.SNAPSHOT_FORMAT, name, seq, List.copyOf(entries)));
    try {
      store.createIfAbsent(folder + JournalObjects.snapshotName(seq), data);
      snapshotSeq = seq;
    } catch (RuntimeException e) {
      // Only a shortcut for readers: the batches are all there. The next append tries again.
      notices.add("could not write the journal snapshot through " + seq + ": " + e.getMessage());
    }
  }

  @Override
  public synchronized List<JournalEntry> entries() {
    return List.copyOf(entries);
  }

  @Override
  public synchronized List<String> openNotices() {
    return List.copyOf(notices);
  }

  /** The number of the last batch this journal knows of (0 when empty). */
  public synchronized long lastBatch() {
    return lastSeq;
  }
}
