package dev.unideploy.pipeline.publish;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.unideploy.pipeline.events.EventSink;
import dev.unideploy.pipeline.state.AppLock;
import dev.unideploy.pipeline.state.CoalescingJournal;
import dev.unideploy.pipeline.state.LockLostException;
import dev.unideploy.pipeline.state.LockOwner;
import dev.unideploy.pipeline.state.LockedJournal;
import dev.unideploy.pipeline.state.MemoryJournal;
import java.time.Clock;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** A run that lost its app's lock stops before the next step's first change. */
class StepRunnerLockTest {

  /** A lock whose loss the test decides. */
  static final class SwitchableLock implements AppLock {
    final AtomicBoolean held = new AtomicBoolean(true);

    @Override
    public LockOwner owner() {
      return new LockOwner("here", 1, Instant.EPOCH, null);
    }

    @Override
    public boolean held() {
      return held.get();
    }

    @Override
    public String whyNotHeld() {
      return "it was taken over by pid 2 on there";
    }

    @Override
    public void close() {}
  }

  private final MemoryJournal journal = new MemoryJournal();
  private final SwitchableLock lock = new SwitchableLock();
  private final StepRunner steps =
      new StepRunner(
          EventSink.discard(), new LockedJournal(journal, lock, "web"), Clock.systemUTC());

  @Test
  void aStepAfterTheLockIsLostDoesNotRun() {
    AtomicInteger ran = new AtomicInteger();
    steps.run("upload", "uploading", ran::incrementAndGet);
    lock.held.set(false);

    assertThatThrownBy(() -> steps.run("register", "registering", ran::incrementAndGet))
        .isInstanceOf(LockLostException.class)
        .hasMessageContaining("lost the deploy lock of app 'web'")
        .hasMessageContaining("taken over by pid 2 on there")
        .hasMessageContaining("re-run to resume");
    assertThat(ran).hasValue(1);
    assertThat(journal.entries())
        .extracting(e -> e.step() + ":" + e.kind())
        .containsExactly("upload:started", "upload:done");
  }

  @Test
  void aHeldDoneIsNotWrittenOnceTheLockIsLostAndTheNextStepDoesNotRun() {
    CoalescingJournal coalescing = new CoalescingJournal(new LockedJournal(journal, lock, "web"));
    StepRunner held = new StepRunner(EventSink.discard(), coalescing, Clock.systemUTC());
    AtomicInteger ran = new AtomicInteger();
    held.run("upload", "uploading", ran::incrementAndGet);
    assertThat(coalescing.entries()).extracting(e -> e.kind()).containsExactly("started", "done");
    lock.held.set(false);

    assertThatThrownBy(() -> held.run("register", "registering", ran::incrementAndGet))
        .isInstanceOf(LockLostException.class);
    assertThatThrownBy(coalescing::flush).isInstanceOf(LockLostException.class);
    assertThat(ran).hasValue(1);
    // The journal is another run's now: the held "done" stays out of it, as a late write would.
    assertThat(journal.entries()).extracting(e -> e.kind()).containsExactly("started");
  }

  @Test
  void aStepThatFailsAfterTheLossKeepsItsOwnErrorAndWritesNothing() {
    assertThatThrownBy(
            () ->
                steps.run(
                    "upload",
                    "uploading",
                    () -> {
                      lock.held.set(false);
                      throw new IllegalStateException("network down");
                    }))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("network down")
        .satisfies(
            e -> assertThat(e.getSuppressed()).hasOnlyElementsOfType(LockLostException.class));
    assertThat(journal.entries()).extracting(e -> e.kind()).containsExactly("started");
  }
}
