package dev.unideploy.pipeline.state;

import java.time.Duration;

/**
 * How a lock was taken from another run: its owner, whether {@code --force-unlock} did it (the
 * owner's lease was still running) or its lease had run out, and how long it had been silent.
 */
public record LockTakeover(LockOwner previous, boolean forced, Duration silentFor) {

  /** One line for the journal and the warning: who held it and why it was taken. */
  public String describe() {
    return (forced ? "forced the lock away from " : "took over the expired lock of ")
        + previous.describe()
        + " (its lease was last renewed "
        + silentFor.toSeconds()
        + " s ago)";
  }
}
