package dev.unideploy.it.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.unideploy.pipeline.qemu.BootOutcome;
import dev.unideploy.pipeline.qemu.BootWatcher;
import dev.unideploy.pipeline.qemu.ConsoleMatcher;
import dev.unideploy.pipeline.qemu.PortForward;
import dev.unideploy.pipeline.qemu.QemuLauncher;
import dev.unideploy.pipeline.qemu.QemuProcess;
import dev.unideploy.pipeline.qemu.QemuSpec;
import dev.unideploy.sample.SampleUnikernel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A detached guest can be let go of, found again from its directory, and stopped. */
class DetachedLauncherTest {
  @TempDir Path dir;

  @Test
  void launchReleaseAttachStop() throws Exception {
    Path img = BootImages.sample(dir);
    Path work = dir.resolve("instance-1");
    QemuLauncher launcher = new QemuLauncher();
    QemuSpec spec =
        QemuSpec.builder(img)
            .accelerator(BootImages.accelerator())
            .port(PortForward.toGuest(80))
            .build();
    QemuProcess q = launcher.launchDetached(spec, work);
    long pid = q.pid();
    int hostPort = q.hostPort(80);
    try {
      BootOutcome o =
          new BootWatcher(ConsoleMatcher.ready(SampleUnikernel.READY_REGEX))
              .await(q, BootImages.BOOT_TIMEOUT);
      assertThat(o.ready()).as(o.describe()).isTrue();
      q.release();
      assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive)).contains(true);

      Optional<QemuProcess> again = launcher.attach(work);
      assertThat(again).isPresent();
      assertThat(again.get().pid()).isEqualTo(pid);
      assertThat(again.get().hostPort(80)).isEqualTo(hostPort);
      assertThat(again.get().hmp("info status", Duration.ofSeconds(10)))
          .get()
          .asString()
          .contains("running");
      again.get().stop(Duration.ofSeconds(10));
      assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive)).isNotEqualTo(Optional.of(true));
      assertThat(launcher.attach(work)).isEmpty();
    } finally {
      ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
    }
  }
}
