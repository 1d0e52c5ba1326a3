package dev.unideploy.pipeline.state.remote;

import dev.unideploy.pipeline.UnideployException;
import dev.unideploy.pipeline.state.AppLock;
import dev.unideploy.pipeline.state.LockOwner;
import dev.unideploy.pipeline.state.LockTakeover;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * An app's deploy lock as one object in a bucket or container, held under a lease. The holder
 * rewrites the object every third of the lease, each time on condition that it is still the version
 * it wrote last; a run that finds the object older than its lease (by the store's clock) may take
 * it over, as may {@code --force-unlock} at any time, with the same condition. A holder stops
 * counting itself the holder well before its lease could run out on the store ({@link #held()}), so
 * a holder that cannot renew stops before anyone else may start.
 */
public final class LeaseLock implements AppLock {

  /** Taking the lock tries this many times when others change the object in between. */
  private static final int ATTEMPTS = 5;

  private final ObjectStore store;
  private final String key;
  private final String app;
  private final Duration lease;
  private final Clock clock;
  private final LongSupplier nanos;
  private final LockTakeover takeover;
  private final ScheduledExecutorService renewer;

  private LockRecord record;
  private String version;
  private volatile long renewedAtNanos;
  private volatile String lost;
  private volatile String lastError;
  private volatile boolean closed;

  private LeaseLock(
      ObjectStore store,
      String key,
      String app,
      Duration lease,
      Clock clock,
      LongSupplier nanos,
      LockRecord record,
      String version,
      long renewedAtNanos,
      LockTakeover takeover) {
    this.store = store;
    this.key = key;
    this.app = app;
    this.lease = lease;
    this.clock = clock;
    this.nanos = nanos;
    this.record = record;
    this.version = version;
    this.renewedAtNanos = renewedAtNanos;
    this.takeover = takeover;
    ScheduledThreadPoolExecutor executor =
        new ScheduledThreadPoolExecutor(
            1,
            r -> {
              Thread t = new Thread(r, "unideploy-lease-" + app);
              t.setDaemon(true);
              return t;
            });
    // close() must not wait for the next renewal, nor interrupt one in flight (its answer tells
    // which version close() has to delete).
    executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    this.renewer = executor;
  }

  /**
   * Takes the lock at {@code key} for {@code me} and starts renewing it.
   *
   * @throws UnideployException naming the holder, its last renewal and how long its lease runs
   */
  public static LeaseLock acquire(
      ObjectStore store, String key, String app, LockOwner me, boolean force, Duration lease) {
    LeaseLock lock =
        acquire(store, key, app, me, force, lease, Clock.systemUTC(), System::nanoTime);
    lock.scheduleRenewal(lock.renewEvery());
    return lock;
  }

  /** Takes the lock without starting the renewal thread (tests renew by hand). */
  static LeaseLock acquire(
      ObjectStore store,
      String key,
      String app,
      LockOwner me,
      boolean force,
      Duration lease,
      Clock clock,
      LongSupplier nanos) {
    LockRecord mine =
        new LockRecord(
            LockRecord.FORMAT,
            app,
            me,
            UUID.randomUUID().toString(),
            lease.toSeconds(),
            0,
            clock.instant());
    byte[] body = mine.encode();
    String refusal = null;
    for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
      long start = nanos.getAsLong();
      Optional<String> created = store.createIfAbsent(key, body);
      if (created.isPresent()) {
        return new LeaseLock(
            store, key, app, lease, clock, nanos, mine, created.get(), start, null);
      }
      Optional<StoredObject> current = store.get(key);
      if (current.isEmpty()) {
        continue; // released in between: try to create it again
      }
      StoredObject o = current.get();
      LockRecord theirs = LockRecord.decode(o.data());
      Duration silent = Duration.between(o.modified(), o.serverNow());
      if (theirs == null) {
        if (!force) {
          throw new UnideployException(
              "the lock object "
                  + store.url(key)
                  + " of app '"
                  + app
                  + "' is not a lock unideploy wrote: if nothing else uses that name, re-run with"
                  + " --force-unlock to replace it");
        }
      } else if (theirs.token().equals(mine.token())) {
        // Our own create, whose answer was lost.
        return new LeaseLock(store, key, app, lease, clock, nanos, mine, o.version(), start, null);
      }
      boolean expired = theirs != null && theirs.expiredAfter(silent);
      if (!expired && !force) {
        throw new UnideployException(refusal(store, key, app, theirs, silent));
      }
      start = nanos.getAsLong();
      Optional<String> replaced = store.replaceIfMatch(key, body, o.version());
      if (replaced.isPresent()) {
        LockOwner previous =
            theirs != null ? theirs.owner() : new LockOwner("unknown", 0, o.modified(), null);
        return new LeaseLock(
            store,
            key,
            app,
            lease,
            clock,
            nanos,
            mine,
            replaced.get(),
            start,
            new LockTakeover(previous, !expired, silent.isNegative() ? Duration.ZERO : silent));
      }
      refusal = theirs == null ? null : refusal(store, key, app, theirs, silent);
    }
    throw new UnideployException(
        refusal != null
            ? refusal
            : "could not take the lock "
                + store.url(key)
                + " of app '"
                + app
                + "': other runs kept changing it; re-run in a moment");
  }

  private static String refusal(
      ObjectStore store, String key, String app, LockRecord holder, Duration silent) {
    long left = Math.max(0, holder.leaseSeconds() - silent.toSeconds());
    return "another unideploy run for app '"
        + app
        + "' is in progress: held by "
        + holder.owner().describe()
        + "; its lease was renewed "
        + Math.max(0, silent.toSeconds())
        + " s ago and runs out in "
        + left
        + " s unless renewed (lock "
        + store.url(key)
        + "). Wait for it to finish, then re-run: it resumes where that run stopped. If that run"
        + " is dead and you cannot wait "
        + left
        + " s, re-run with --force-unlock";
  }

  /** How often the holder renews: a third of the lease. */
  Duration renewEvery() {
    return lease.dividedBy(3);
  }

  /**
   * How long after the start of its last good renewal the holder still counts itself the holder:
   * the lease less a margin for the store's one-second timestamps and the request's own time.
   */
  Duration heldFor() {
    Duration margin = lease.dividedBy(6);
    if (margin.compareTo(Duration.ofSeconds(2)) < 0) {
      margin = Duration.ofSeconds(2);
    }
    return lease.minus(margin);
  }

  private void scheduleRenewal(Duration delay) {
    if (!closed) {
      try {
        renewer.schedule(this::renewAndReschedule, delay.toMillis(), TimeUnit.MILLISECONDS);
      } catch (RejectedExecutionException e) {
        // Closed in between: nothing left to renew.
      }
    }
  }

  private void renewAndReschedule() {
    boolean ok = renew();
    if (lost == null) {
      // After a failure try again soon: the lease is running out.
      scheduleRenewal(ok ? renewEvery() : renewEvery().dividedBy(4));
    }
  }

  /** Rewrites the lock object if it is still ours; returns whether the lease was extended. */
  synchronized boolean renew() {
    if (closed || lost != null) {
      return false;
    }
    LockRecord next = record.renewed(clock.instant());
    long start = nanos.getAsLong();
    try {
      Optional<String> v = store.replaceIfMatch(key, next.encode(), version);
      if (v.isEmpty()) {
        // Either someone took it, or our own write landed and only its answer was lost.
        Optional<StoredObject> o = store.get(key);
        LockRecord there = o.map(s -> LockRecord.decode(s.data())).orElse(null);
        if (there == null || !there.token().equals(record.token())) {
          lost =
              there == null
                  ? "its lock object " + store.url(key) + " was deleted or replaced"
                  : "it was taken over by " + there.owner().describe();
          return false;
        }
        if (there.renewals() != next.renewals()) {
          lost = "its lock object " + store.url(key) + " was changed by another writer";
          return false;
        }
        v = Optional.of(o.get().version());
      }
      record = next;
      version = v.get();
      renewedAtNanos = start;
      lastError = null;
      return true;
    } catch (RuntimeException e) {
      lastError = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
      return false;
    }
  }

  @Override
  public LockOwner owner() {
    return record.owner();
  }

  @Override
  public boolean held() {
    return !closed && lost == null && nanos.getAsLong() - renewedAtNanos < heldFor().toNanos();
  }

  @Override
  public String whyNotHeld() {
    if (closed) {
      return "the lock was released";
    }
    if (lost != null) {
      return lost;
    }
    return "its lease could not be renewed for "
        + heldFor().toSeconds()
        + " s"
        + (lastError == null ? "" : "; last error: " + lastError);
  }

  @Override
  public Optional<LockTakeover> takeover() {
    return Optional.ofNullable(takeover);
  }

  /** Stops renewing and deletes the lock object if it is still ours. */
  @Override
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
    }
    renewer.shutdown();
    synchronized (this) {
      if (lost == null) {
        try {
          store.deleteIfMatch(key, version);
        } catch (RuntimeException e) {
          // The lease runs out on its own: the next run waits at most that long.
        }
      }
    }
  }
}
