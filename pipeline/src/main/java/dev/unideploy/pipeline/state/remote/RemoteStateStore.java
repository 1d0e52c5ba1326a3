package dev.unideploy.pipeline.state.remote;

import dev.unideploy.pipeline.state.AppLock;
import dev.unideploy.pipeline.state.LocalStateStore;
import dev.unideploy.pipeline.state.LockOwner;
import dev.unideploy.pipeline.state.StateStore;
import java.nio.file.Path;

/**
 * State in a bucket or container that a team and its CI runners share: journals under {@code
 * <prefix>/journal/<name>/} ({@link ObjectJournal}) and one lock object per app under {@code
 * <prefix>/locks/<app>.json} ({@link LeaseLock}). Temporary files stay on this machine.
 */
public final class RemoteStateStore implements StateStore {
  private final ObjectStore objects;
  private final StateUrl url;
  private final Path workDir;

  public RemoteStateStore(ObjectStore objects, StateUrl url) {
    this(objects, url, LocalStateStore.defaultRoot().resolve("work"));
  }

  public RemoteStateStore(ObjectStore objects, StateUrl url, Path workDir) {
    this.objects = objects;
    this.url = url;
    this.workDir = workDir;
  }

  @Override
  public ObjectJournal journal(String name) {
    return ObjectJournal.open(objects, url.keyPrefix() + "journal/" + name + "/", name);
  }

  @Override
  public AppLock lock(String app, LockOwner me, boolean force) {
    return LeaseLock.acquire(
        objects, url.keyPrefix() + "locks/" + app + ".json", app, me, force, url.lease());
  }

  @Override
  public Path workDir() {
    return workDir;
  }

  @Override
  public String location() {
    return url.display();
  }

  @Override
  public void close() {
    objects.close();
  }
}
