package dev.unideploy.pipeline.state;

import java.util.List;
import java.util.Optional;

/**
 * The append-only record of one deployment's steps: how {@code deploy} resumes, how rollback finds
 * the previous release.
 */
public interface Journal {

  /** Appends an entry; when this returns the entry survives a crash of the process. */
  void append(JournalEntry entry);

  /**
   * Appends {@code entries} in order; when this returns they all survive a crash. A journal in
   * object storage writes them as one object: one round trip, recorded together or not at all.
   */
  default void appendAll(List<JournalEntry> entries) {
    entries.forEach(this::append);
  }

  /**
   * Records {@code entry} no later than the next {@link #append} or {@link #flush}, in order with
   * it: for an entry that only reports what already happened (a step's "done"), so that it travels
   * with the next entry instead of costing a write of its own. The journal's content at every
   * change a run makes is the same as with {@link #append}, since each change is preceded by an
   * appended entry. Unbuffered journals write it at once.
   */
  default void appendLater(JournalEntry entry) {
    append(entry);
  }

  /** Writes what {@link #appendLater} holds back; nothing to do for unbuffered journals. */
  default void flush() {}

  /** Every entry, oldest first. */
  List<JournalEntry> entries();

  /**
   * What opening the journal found and repaired or worked around (a torn last line, a gap left by a
   * deleted object), one sentence each, for the run to report as warnings.
   */
  default List<String> openNotices() {
    return List.of();
  }

  /** The entries of one step, oldest first. */
  default List<JournalEntry> entries(String step) {
    return entries().stream().filter(e -> e.step().equals(step)).toList();
  }

  /** The newest entry of a step with the given kind, if any. */
  default Optional<JournalEntry> last(String step, String kind) {
    List<JournalEntry> all = entries(step);
    for (int i = all.size() - 1; i >= 0; i--) {
      if (all.get(i).kind().equals(kind)) {
        return Optional.of(all.get(i));
      }
    }
    return Optional.empty();
  }
}
