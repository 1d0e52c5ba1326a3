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
