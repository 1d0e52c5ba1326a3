package dev.unideploy.pipeline.state;

import java.util.List;

/**
 * A journal that accepts entries only while its run holds the app's lock. Every step records
 * "started" before it changes anything (see {@link dev.unideploy.pipeline.publish.StepRunner}), and
 * uploads record their progress here too, so a run whose lease ran out or was forced away stops at
 * its next record: before its next change, and without writing into a journal another run now owns.
 */
public final class LockedJournal implements Journal {
  private final Journal journal;
  private final AppLock lock;
  private final String app;

  public LockedJournal(Journal journal, AppLock lock, String app) {
    this.journal = journal;
    this.lock = lock;
    this.app = app;
  }

  /**
   * @throws LockLostException when the lock is no longer this run's
   */
  @Override
  public void append(JournalEntry entry) {
    requireLock();
    journal.append(entry);
  }

  /**
   * @throws LockLostException when the lock is no longer this run's
   */
  @Override
  public void appendAll(List<JournalEntry> entries) {
    requireLock();
    journal.appendAll(entries);
  }

  private void requireLock() {
    if (!lock.held()) {
      throw new LockLostException(app, lock.whyNotHeld());
    }
  }

  @Override
  public List<JournalEntry> entries() {
    return journal.entries();
  }

  @Override
  public List<String> openNotices() {
    return journal.openNotices();
  }
}
