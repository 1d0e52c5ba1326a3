package dev.unideploy.pipeline.job;

import dev.unideploy.pipeline.config.DeployConfig;
import dev.unideploy.pipeline.events.EventSink;
import dev.unideploy.pipeline.events.LogEvent;
import dev.unideploy.pipeline.spi.Provider;
import dev.unideploy.pipeline.spi.ProviderContext;
import dev.unideploy.pipeline.state.AppLock;
import dev.unideploy.pipeline.state.FileJournal;
import dev.unideploy.pipeline.state.Journal;
import dev.unideploy.pipeline.state.LockOwner;
import dev.unideploy.pipeline.state.StateStore;
import dev.unideploy.pipeline.state.StateStores;
import java.time.Clock;

/**
 * What every command that changes a provider runs inside: the app's deploy lock (one such run per
 * app at a time), its journal for this provider (how a re-run resumes), and the provider context.
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
    AppLock lock = store.lock(app, LockOwner.current(clock.instant()), forceUnlock);
    try {
      Journal journal = store.journal(app + "-" + provider.name());
      if (journal instanceof FileJournal f && f.healedBytes() > 0) {
        events.emit(
            LogEvent.warn(
                "journal",
                "the last entry of "
                    + f.file()
                    + " was cut short by a crash ("
                    + f.healedBytes()
                    + " bytes); it was dropped and the step it recorded will run again"));
      }
      return new JobSession(
          store, lock, new ProviderContext(config, events, journal, store.workDir(), clock));
    } catch (RuntimeException e) {
      lock.close();
      throw e;
    }
  }

  /**
   * A provider context for commands that only look (list images or instances, read logs) or act on
   * one named thing: no lock is taken and nothing is journaled.
   */
  public static ProviderContext browsingContext(
      Provider provider, DeployConfig config, EventSink events, Clock clock) {
    provider.validate(config);
    StateStore store = StateStores.open(config);
    return new ProviderContext(
        config, events, new dev.unideploy.pipeline.state.MemoryJournal(), store.workDir(), clock);
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

  @Override
  public void close() {
    lock.close();
  }
}
