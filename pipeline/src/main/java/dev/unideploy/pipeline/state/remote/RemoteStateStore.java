package dev.unideploy.pipeline.state.remote;

import dev.unideploy.pipeline.state.AppLock;
import dev.unideploy.pipeline.state.LocalStateStore;
import dev.unideploy.pipeline.state.LockOwner;
import dev.unideploy.pipeline.state.StateStore;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * State in a bucket or container that a team and its CI runners share: journals under {@code
 * <prefix>/journal/<name>/} ({@link ObjectJournal}) and one lock object per app under {@code
 * <prefix>/locks/<app>.json} ({@link LeaseLock}). Temporary files stay on this machine.
 */
public final class RemoteStateStore implements StateStore {
  private final ObjectStore objects;
  private final String keyPrefix;
  private final Duration lease;
  private final String location;
  private final Path workDir;

  /** The store at {@code url}, whose path is the key prefix (S3, Cloud Storage). */
  public RemoteStateStore(ObjectStore objects, StateUrl url) {
    this(objects, url.keyPrefix(), url.lease(), url.display());
  }

  /**
   * @param keyPrefix prepended to every key: empty, or ending in a slash
   * @param location where the state is, for messages and results
   */
  public RemoteStateStore(ObjectStore objects, String keyPrefix, Duration lease, String location) {
    this.objects = objects;
    this.keyPrefix = keyPrefix;
    this.lease = lease;
    this.location = location;
    this.workDir = LocalStateStore.defaultRoot().resolve("work");
  }

  @Override
  public ObjectJournal journal(String name) {
    return ObjectJournal.open(objects, keyPrefix + "journal/" + name + "/", name);
  }

  @Override
  public AppLock lock(String app, LockOwner me, boolean force) {
    return LeaseLock.acquire(objects, keyPrefix + "locks/" + app + ".json", app, me, force, lease);
  }

  /** The owner named by the lock object while its lease runs, on the store's clock. */
  @Override
  public Optional<LockOwner> lockHolder(String app) {
    return objects
        .get(keyPrefix + "locks/" + app + ".json")
        .flatMap(
            o -> {
              LockRecord r = LockRecord.decode(o.data());
              boolean live =
                  r != null && !r.expiredAfter(Duration.between(o.modified(), o.serverNow()));
              return live ? Optional.of(r.owner()) : Optional.empty();
            });
  }

  @Override
  public Path workDir() {
    return workDir;
  }

  @Override
  public String location() {
    return location;
  }

  @Override
  public void close() {
    objects.close();
  }
}
