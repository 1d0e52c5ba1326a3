package dev.unideploy.pipeline.state.remote;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.unideploy.pipeline.UnideployException;
import dev.unideploy.pipeline.state.LockOwner;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class LeaseLockTest {
  private static final String KEY = "team/locks/web.json";
  private static final Duration LEASE = Duration.ofSeconds(30);

  /** The store's clock (lease ages) and each holder's monotonic clock, moved together. */
  private final MutableClock time = new MutableClock(Instant.parse("2026-12-01T10:00:00Z"));

  private final MemoryObjectStore store = new MemoryObjectStore(time);

  private static LockOwner owner(String host, long pid) {
    return new LockOwner(host, pid, Instant.parse("2026-12-01T09:59:00Z"), null);
  }

  private LeaseLock take(String host, boolean force) {
    return LeaseLock.acquire(store, KEY, "web", owner(host, 100), force, LEASE, time, time::nanos);
  }

  @Test
  void aSecondRunIsRefusedWithTheHoldersNameAndLease() {
    LeaseLock first = take("runner-a", false);
    time.advance(Duration.ofSeconds(12));

    assertThatThrownBy(() -> take("laptop-b", false))
        .isInstanceOf(UnideployException.class)
        .hasMessageContaining("held by pid 100 on runner-a since 2026-12-01T09:59:00Z")
        .hasMessageContaining("renewed 12 s ago and runs out in 18 s")
        .hasMessageContaining("mem://bucket/" + KEY)
        .hasMessageContaining("--force-unlock");
    assertThat(first.held()).isTrue();
  }

  @Test
  void aReleasedLockIsFreeAtOnce() {
    take("runner-a", false).close();
    assertThat(store.list("team/locks/")).isEmpty();
    try (LeaseLock second = take("laptop-b", false)) {
      assertThat(second.held()).isTrue();
      assertThat(second.takeover()).isEmpty();
    }
  }

  @Test
  void renewalKeepsTheLockAndAnExpiredLeaseIsTakenOver() {
    LeaseLock first = take("runner-a", false);
    for (int i = 0; i < 5; i++) {
      time.advance(first.renewEvery());
      assertThat(first.renew()).isTrue();
      assertThatThrownBy(() -> take("laptop-b", false)).hasMessageContaining("runner-a");
    }
    // The holder dies (kill -9): nobody renews. Before the lease ends the lock stays refused ...
    time.advance(LEASE);
    assertThatThrownBy(() -> take("laptop-b", false)).hasMessageContaining("runner-a");
    // ... after, the next run takes it over, and says whose it was.
    time.advance(Duration.ofSeconds(1));
    LeaseLock second = take("laptop-b", false);

    assertThat(second.takeover()).isPresent();
    assertThat(second.takeover().get().forced()).isFalse();
    assertThat(second.takeover().get().previous().host()).isEqualTo("runner-a");
    assertThat(second.takeover().get().silentFor()).isEqualTo(Duration.ofSeconds(31));
  }

  @Test
  void aHolderThatCannotRenewStopsCountingItselfTheHolderBeforeItsLeaseEnds() {
    LeaseLock holder = take("runner-a", false);
    store.failNextWrites(100);
    Duration elapsed = Duration.ZERO;
    while (holder.held()) {
      time.advance(Duration.ofSeconds(1));
      elapsed = elapsed.plusSeconds(1);
      holder.renew();
    }
    assertThat(elapsed).isLessThan(LEASE);
    assertThat(holder.whyNotHeld())
        .contains("could not be renewed for 25 s")
        .contains("connection reset (injected)");
    // Nobody else could take it yet at that moment: held() turns false before the lease ends.
    store.failNextWrites(0);
    assertThatThrownBy(() -> take("laptop-b", false)).hasMessageContaining("runner-a");
  }

  @Test
  void forceUnlockTakesALiveLockAndTheFormerHolderLearnsItAtItsNextRenewal() {
    LeaseLock first = take("runner-a", false);
    time.advance(Duration.ofSeconds(3));
    LeaseLock second = take("laptop-b", true);

    assertThat(second.takeover().orElseThrow().forced()).isTrue();
    assertThat(first.held()).as("not yet noticed").isTrue();
    assertThat(first.renew()).isFalse();
    assertThat(first.held()).isFalse();
    assertThat(first.whyNotHeld()).contains("taken over by pid 100 on laptop-b");

    first.close(); // must not delete the new holder's lock
    assertThat(store.list("team/locks/")).containsExactly(KEY);
    assertThat(second.renew()).isTrue();
  }

  @Test
  void aRenewalWhoseAnswerWasLostIsRecognisedAsOurs() {
    LeaseLock holder = take("runner-a", false);
    store.loseNextAnswers(1);
    time.advance(holder.renewEvery());
    assertThat(holder.renew()).isTrue();
    time.advance(holder.renewEvery());
    assertThat(holder.renew()).isTrue();
    assertThat(holder.held()).isTrue();
  }

  @Test
  void aCreateWhoseAnswerWasLostStillTakesTheLock() {
    store.loseNextAnswers(1);
    LeaseLock holder = take("runner-a", false);
    assertThat(holder.held()).isTrue();
    assertThat(holder.takeover()).isEmpty();
  }

  @Test
  void aForeignLockObjectIsRefusedUnlessForced() {
    store.putRaw(KEY, "locked by ops".getBytes(StandardCharsets.UTF_8));

    assertThatThrownBy(() -> take("runner-a", false))
        .hasMessageContaining("is not a lock unideploy wrote")
        .hasMessageContaining("--force-unlock");
    try (LeaseLock forced = take("runner-a", true)) {
      assertThat(forced.held()).isTrue();
      assertThat(forced.takeover().orElseThrow().previous().host()).isEqualTo("unknown");
    }
  }

  @Test
  void theRenewalThreadKeepsTheLeaseAlive() throws Exception {
    try (LeaseLock holder =
        LeaseLock.acquire(
            new MemoryObjectStore(java.time.Clock.systemUTC()),
            KEY,
            "web",
            owner("runner-a", 1),
            false,
            Duration.ofSeconds(6))) {
      Thread.sleep(4_500); // two renewals (every 2 s); without them held() ends after 4 s
      assertThat(holder.held()).isTrue();
    }
  }
}
