package dev.unideploy.pipeline.job;

import dev.unideploy.pipeline.config.DeployConfig;
import dev.unideploy.pipeline.events.EventSink;
import dev.unideploy.pipeline.events.LogEvent;
import dev.unideploy.pipeline.spi.Provider;
import dev.unideploy.pipeline.spi.ProviderContext;
import dev.unideploy.pipeline.state.AppLock;
import dev.unideploy.pipeline.state.CoalescingJournal;
import dev.unideploy.pipeline.state.Journal;
import dev.unideploy.pipeline.state.JournalEntry;
import dev.unideploy.pipeline.state.LockOwner;
import dev.unideploy.pipeline.state.LockTakeover;
import dev.unideploy.pipeline.state.LockedJournal;
import dev.unideploy.pipeline.state.MemoryJournal;
import dev.unideploy.pipeline.state.StateStore;
import dev.unideploy.pipeline.state.StateStores;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;

/**
 * What every command that changes a provider runs inside: the app's deploy lock (one such run per
 * app at a time), its journal for this provider (how a re-run resumes), and the provider context.
 * The journal it hands out refuses entries once the lock is lost ({@link LockedJournal}), so every
 * step and upload of the run stops at its next record.
 */
public final class JobSession implements AutoCloseable {
  private final StateStore store;
  private final AppLock lock;
  private final ProviderContext context;

  private JobSession(StateStore store, AppLock lock, ProviderContext context) {
    this.store = store;
    this.lock = lock;
    this.context = context;
  }

  /**
   * Validates the provider's config section, takes the app's lock and opens its journal.
   *
   * @param forceUnlock take over a lock that another run holds (remote state only), with a warning
   */
  public static JobSession open(
      Provider provider, DeployConfig config, EventSink events, Clock clock, boolean forceUnlock) {
    provider.validate(config);
    String app = config.requireApp();
    StateStore store = StateStores.open(config);
    AppLock lock = null;
    try {
      lock = store.lock(app, LockOwner.current(clock.instant()), forceUnlock);
      Journal journal =
          new CoalescingJournal(
              new LockedJournal(store.journal(app + "-" + provider.name()), lock, app));
      for (String notice : journal.openNotices()) {
        events.emit(LogEvent.warn("journal", notice));
      }
      if (lock.takeover().isPresent()) {
        recordTakeover(lock.takeover().get(), journal, events, clock);
      }
      return new JobSession(
          store, lock, new ProviderContext(config, events, journal, store.workDir(), clock));
    } catch (RuntimeException e) {
      if (lock != null) {
        lock.close();
      }
      store.close();
      throw e;
    }
  }

  /** A taken-over lock is worth a warning now and a line in the history. */
  private static void recordTakeover(
      LockTakeover takeover, Journal journal, EventSink events, Clock clock) {
    events.emit(LogEvent.warn("lock", takeover.describe()));
    journal.append(
        new JournalEntry(
            clock.instant(),
            "lock",
            takeover.forced() ? "forced-unlock" : "expired-lock-taken-over",
            Map.of(
                "previousOwner",
                takeover.previous().describe(),
                "silentSeconds",
                takeover.silentFor().toSeconds())));
  }

  /**
   * A provider context for commands that only look (list images or instances, read logs) or act on
   * one named thing: no lock is taken and nothing is journaled.
   */
  public static ProviderContext browsingContext(
      Provider provider, DeployConfig config, EventSink events, Clock clock) {
    provider.validate(config);
    Path workDir;
    try (StateStore store = StateStores.open(config)) {
      workDir = store.workDir();
    }
    return new ProviderContext(config, events, new MemoryJournal(), workDir, clock);
  }

  public ProviderContext context() {
    return context;
  }

  public StateStore store() {
    return store;
  }

  public AppLock lock() {
    return lock;
  }

  /** Writes what the journal holds back (the last step's "done"), then releases the lock. */
  @Override
  public void close() {
    try {
      context.journal().flush();
    } finally {
      try {
        lock.close();
      } finally {
        store.close();
      }
    }
  }
}
