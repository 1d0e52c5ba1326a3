package dev.unideploy.pipeline.state;

/** An app's deploy lock, held by this process until closed. */
public interface AppLock extends AutoCloseable {

  /** Who holds it (this process). */
  LockOwner owner();

  /**
   * Whether the lock is still this process's. A remote lock can be lost (its lease expired, or
   * someone forced it); a holder checks before each step that changes something and stops if not.
   */
  boolean held();

  @Override
  void close();
}
