package dev.unideploy.pipeline.state;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Where the journals and the deploy locks live: a folder on this machine by default, or a bucket or
 * container shared by a team and its CI runners.
 */
public interface StateStore extends AutoCloseable {

  /** The journal called {@code name} (one per app and provider, such as {@code web-aws}). */
  Journal journal(String name);

  /**
   * Takes the deploy lock of {@code app} for {@code me}, or throws {@link
   * dev.unideploy.pipeline.UnideployException} naming the holder. With {@code force}, a lock that
   * another process holds is taken over, with a warning written to the journal.
   */
  AppLock lock(String app, LockOwner me, boolean force);

  /**
   * The entries of journal {@code name} as they are now, for commands that only look (status,
   * history): nothing is written, not even the repair of a torn last line, since the run that owns
   * the journal may be appending to it at this moment.
   */
  default List<JournalEntry> readJournal(String name) {
    return journal(name).entries();
  }

  /** Who holds the deploy lock of {@code app} now, if anyone (empty when it cannot tell). */
  default Optional<LockOwner> lockHolder(String app) {
    return Optional.empty();
  }

  /** A folder on this machine for temporary files (conversions, verification logs). */
  Path workDir();

  /** Where the state is, for messages and results ({@code /home/me/.unideploy/state}). */
  String location();

  /** Releases the store's connections; locks and journals it handed out must be closed first. */
  @Override
  default void close() {}
}
