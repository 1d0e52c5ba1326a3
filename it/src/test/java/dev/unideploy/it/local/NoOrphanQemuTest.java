package dev.unideploy.it.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.unideploy.it.QemuProcesses;
import dev.unideploy.sample.SampleUnikernel;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 of the unideploy process in the middle of {@code verify}, {@code run} and {@code deploy}
 * leaves no QEMU that nobody tracks: the guests of verify and run die with their owner (the
 * kernel's parent-death signal; a JVM shutdown hook never runs on SIGKILL), and the instances a
 * deploy started are recorded, so a later {@code instances stop --all} finds and stops every one.
 */
class NoOrphanQemuTest {
  private static final Duration APPEAR = Duration.ofSeconds(120);
  private static final Duration VANISH = Duration.ofSeconds(15);

  @TempDir Path tmp;
  private Process child;

  @AfterEach
  void cleanUp() throws Exception {
    if (child != null) {
      child.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    // Whatever a failed assertion left: stop it by pid, so that no test leaves QEMU behind.
    for (long pid : QemuProcesses.mentioning(tmp)) {
      ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
    }
  }

  private Path image() throws Exception {
    return SampleUnikernel.write(
        tmp.resolve("guest.raw"), new SampleUnikernel.Options(4L << 20, "orphan", 1));
  }

  /** Starts the CLI in a child JVM, the way a user or CI job runs it. */
  private Process startCli(String... args) throws Exception {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    List<String> cmd =
        new ArrayList<>(
            List.of(
                java.toString(),
                "-cp",
                System.getProperty("java.class.path"),
                "dev.unideploy.cli.Main"));
    cmd.addAll(List.of(args));
    child =
        new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
            .redirectOutput(tmp.resolve("cli.log").toFile())
            .start();
    return child;
  }

  private List<Long> awaitQemu(int count) throws Exception {
    long end = System.nanoTime() + APPEAR.toNanos();
    while (System.nanoTime() < end) {
      // QEMU itself, not just a wrapper about to exec it: the sub-millisecond window before the
      // wrappers' prctl(PR_SET_PDEATHSIG) is covered by the hard lifetime, not by the signal.
      List<Long> pids = QemuProcesses.runningQemu(tmp);
      if (pids.size() >= count) {
        return pids;
      }
      assertThat(child.isAlive())
          .as("the CLI exited before QEMU started: " + Files.readString(tmp.resolve("cli.log")))
          .isTrue();
      Thread.sleep(100);
    }
    throw new AssertionError(
        "QEMU did not start within " + APPEAR + ": " + Files.readString(tmp.resolve("cli.log")));
  }

  private void killOwnerAndExpectNoQemu() throws Exception {
    child.destroyForcibly(); // SIGKILL: no shutdown hook, no finally block runs.
    assertThat(child.waitFor(10, TimeUnit.SECONDS)).isTrue();
    long end = System.nanoTime() + VANISH.toNanos();
    while (System.nanoTime() < end && !QemuProcesses.mentioning(tmp).isEmpty()) {
      Thread.sleep(100);
    }
    assertThat(QemuProcesses.mentioning(tmp)).as("QEMU that outlived its owner").isEmpty();
  }

  @Test
  void verifyGuestDiesWithItsOwner() throws Exception {
    Path image = image();
    // A readiness line that never comes keeps verify (and its guest) waiting for the deadline.
    startCli(
        "verify",
        image.toString(),
        "--ready",
        "NEVER-PRINTED",
        "--timeout",
        "600",
        "--accel",
        "tcg");
    awaitQemu(1);
    killOwnerAndExpectNoQemu();
  }

  @Test
  void runGuestDiesWithItsOwner() throws Exception {
    Path image = image();
    startCli("run", image.toString(), "--accel", "tcg");
    awaitQemu(1);
    killOwnerAndExpectNoQemu();
  }

  @Test
  void deployInstancesKilledMidRolloutAreFoundAndStopped() throws Exception {
    Path image = image();
    String home = tmp.resolve("home").toString();
    // Never ready: the rollout waits in its health gate while the instances run.
    startCli(
        "deploy",
        "--image",
        image.toString(),
        "--app",
        "orphan",
        "--instances",
        "2",
        "--ready",
        "NEVER-PRINTED",
        "--no-verify",
        "--timeout",
        "600",
        "--home",
        home,
        "--state",
        tmp.resolve("state").toString());
    awaitQemu(2);
    child.destroyForcibly();
    assertThat(child.waitFor(10, TimeUnit.SECONDS)).isTrue();
    // Deployed instances are meant to outlive the CLI, but every one of them is on record.
    assertThat(QemuProcesses.mentioning(tmp)).hasSize(2);

    Cli.Run stop = Cli.run("instances", "stop", "--all", "--home", home);
    assertThat(stop.code()).as(stop.out()).isZero();
    assertThat(QemuProcesses.mentioning(tmp)).as("QEMU nobody tracks").isEmpty();
  }
}
