package dev.unideploy.pipeline.state.remote;

import static org.assertj.core.api.Assertions.assertThat;

import dev.unideploy.pipeline.state.LockOwner;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class RemoteStateStoreTest {
  private static final Duration LEASE = Duration.ofSeconds(30);
  private final MutableClock time = new MutableClock(Instant.parse("2026-12-01T10:00:00Z"));
  private final MemoryObjectStore objects = new MemoryObjectStore(time);
  private final RemoteStateStore store =
      new RemoteStateStore(objects, "team/", LEASE, "mem://bucket/team/");

  @Test
  void statusSeesTheHolderWhileTheLeaseRunsAndNoOneAfterIt() {
    assertThat(store.lockHolder("web")).isEmpty();
    LockOwner runner = new LockOwner("runner-a", 100, Instant.parse("2026-12-01T09:59:00Z"), null);
    LeaseLock.acquire(
        objects, "team/locks/web.json", "web", runner, false, LEASE, time, time::nanos);

    time.advance(Duration.ofSeconds(29));
    assertThat(store.lockHolder("web")).contains(runner);
    assertThat(store.lockHolder("api")).isEmpty();

    time.advance(Duration.ofSeconds(2)); // never renewed: the holder is gone
    assertThat(store.lockHolder("web")).isEmpty();
  }
}
