package dev.unideploy.pipeline.qemu;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProcessIdentityTest {
  @TempDir Path tmp;

  @Test
  void parsesStartTimeAfterACommandNameWithSpacesAndParentheses() {
    String stat =
        "1234 (qemu (x) y) S 1 1233 1233 0 -1 4194560 100 0 0 0 5 6 0 0 20 0 3 0 987654 100 10";
    assertThat(ProcessIdentity.startTimeOf(stat)).isEqualTo(987654L);
  }

  @Test
  void theCurrentProcessIsAlive() {
    long pid = ProcessHandle.current().pid();
    ProcessIdentity me = ProcessIdentity.of(pid).orElseThrow();
    assertThat(me.status()).isEqualTo(ProcessIdentity.Status.ALIVE);
  }

  @Test
  void aDifferentStartTimeMeansThePidWasReused() {
    long pid = ProcessHandle.current().pid();
    ProcessIdentity me = ProcessIdentity.of(pid).orElseThrow();
    ProcessIdentity old = new ProcessIdentity(pid, me.startTime() - 1);
    assertThat(old.status()).isEqualTo(ProcessIdentity.Status.PID_REUSED);
    // The guard also keeps the stopper from signalling the process that now has the pid.
    assertThat(ProcessStopper.stop(old, Duration.ofMillis(10))).isTrue();
    assertThat(me.status()).isEqualTo(ProcessIdentity.Status.ALIVE);
  }

  @Test
  void anExitedProcessIsExitedAndAZombieCountsAsExited() throws Exception {
    Process p = new ProcessBuilder("sleep", "30").start();
    ProcessIdentity id = ProcessIdentity.of(p.pid()).orElseThrow();
    assertThat(id.status()).isEqualTo(ProcessIdentity.Status.ALIVE);
    assertThat(ProcessStopper.stop(id, Duration.ofSeconds(5))).isTrue();
    assertThat(id.status()).isEqualTo(ProcessIdentity.Status.EXITED);
    p.waitFor(5, TimeUnit.SECONDS);
    assertThat(id.status()).isEqualTo(ProcessIdentity.Status.EXITED);
  }

  @Test
  void readsAFakeProcTree() throws Exception {
    Path proc = tmp.resolve("proc");
    Files.createDirectories(proc.resolve("77"));
    Files.writeString(
        proc.resolve("77").resolve("stat"),
        "77 (qemu-system-x86) S 1 2 3 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5555 0 0\n");
    assertThat(new ProcessIdentity(77, 5555).status(proc)).isEqualTo(ProcessIdentity.Status.ALIVE);
    assertThat(new ProcessIdentity(77, 1).status(proc))
        .isEqualTo(ProcessIdentity.Status.PID_REUSED);
    assertThat(new ProcessIdentity(78, 5555).status(proc)).isEqualTo(ProcessIdentity.Status.EXITED);
    Files.writeString(
        proc.resolve("77").resolve("stat"),
        "77 (qemu-system-x86) Z 1 2 3 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5555 0 0\n");
    assertThat(new ProcessIdentity(77, 5555).status(proc)).isEqualTo(ProcessIdentity.Status.EXITED);
  }
}
