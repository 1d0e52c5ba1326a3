package dev.unideploy.pipeline.qemu;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A guest whose launcher died before recording it is found through QEMU's own pid file. */
class PidFileProcessTest {
  @TempDir Path dir;

  @Test
  void findsTheProcessThatNamesThePidFileAndNoOtherOne() throws Exception {
    Path pidFile = dir.resolve("qemu.pid");
    assertThat(QemuLauncher.pidFileProcess(pidFile)).as("no pid file yet").isEmpty();

    // Stands in for QEMU: a process with the pid file on its command line, as `-pidfile F` puts it.
    Process p = new ProcessBuilder("sh", "-c", "sleep 30", pidFile.toString()).start();
    try {
      Files.writeString(pidFile, p.pid() + "\n");
      assertThat(QemuLauncher.pidFileProcess(pidFile))
          .hasValueSatisfying(id -> assertThat(id.pid()).isEqualTo(p.pid()));

      // A pid that now belongs to another program (this JVM) is not taken for the guest.
      Files.writeString(pidFile, ProcessHandle.current().pid() + "\n");
      assertThat(QemuLauncher.pidFileProcess(pidFile)).isEmpty();
    } finally {
      p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    Files.writeString(pidFile, p.pid() + "\n");
    assertThat(QemuLauncher.pidFileProcess(pidFile)).as("the process is gone").isEmpty();
  }
}
