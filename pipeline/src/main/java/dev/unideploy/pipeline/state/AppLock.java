package dev.unideploy.pipeline.state;

import java.util.Optional;

/** An app's deploy lock, held by this process until closed. */
public interface AppLock extends AutoCloseable {

  /** Who holds it (this process). */
  LockOwner owner();

  /**
   * Whether the lock is still this process's. A remote lock can be lost (its lease expired, or
   * someone forced it); a holder checks before each step that changes something and stops if not.
   * Cheap: it never waits for the network.
   */
  boolean held();

  /** Why {@link #held()} is false, for the error that stops the run. */
  default String whyNotHeld() {
    return "the lock was released";
  }

  /** The run this lock was taken from, when taking it meant taking it over. */
  default Optional<LockTakeover> takeover() {
    return Optional.empty();
  }

  @Override
  void close();
}
