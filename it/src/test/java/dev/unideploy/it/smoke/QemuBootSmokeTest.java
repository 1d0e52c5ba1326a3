package dev.unideploy.it.smoke;

import static org.assertj.core.api.Assertions.assertThat;

import dev.unideploy.pipeline.qemu.BootOutcome;
import dev.unideploy.pipeline.qemu.BootWatcher;
import dev.unideploy.pipeline.qemu.ConsoleMatcher;
import dev.unideploy.pipeline.qemu.QemuLauncher;
import dev.unideploy.pipeline.qemu.QemuProcess;
import dev.unideploy.pipeline.qemu.QemuSpec;
import dev.unideploy.sample.SampleUnikernel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** QEMU is installed and boots the sample unikernel; its serial banner reaches the log. */
class QemuBootSmokeTest {
  @TempDir Path dir;

  @Test
  void sampleRawPrintsBannerReadyAndHeartbeat() throws Exception {
    SampleUnikernel.Options opts = SampleUnikernel.Options.defaults().withTag("smoke");
    Path raw = SampleUnikernel.write(dir.resolve("sample.raw"), opts);
    List<String> lines = new ArrayList<>();
    QemuProcess qemu;
    BootOutcome ready;
    BootOutcome beat;
    try (QemuProcess q =
        new QemuLauncher().launch(QemuSpec.builder(raw).build(), dir.resolve("w"))) {
      qemu = q;
      ready =
          new BootWatcher(ConsoleMatcher.ready(SampleUnikernel.READY_REGEX))
              .onLine(lines::add)
              .await(q, Duration.ofSeconds(120));
      // Still alive after the readiness line: it keeps printing heartbeats.
      beat =
          new BootWatcher(ConsoleMatcher.ready("^heartbeat \\d+"))
              .onLine(lines::add)
              .await(q, ready.elapsed().plusSeconds(60));
    }
    assertThat(ready.ready()).as(ready.describe()).isTrue();
    assertThat(lines).contains(SampleUnikernel.banner(opts), SampleUnikernel.readyLine(opts));
    assertThat(beat.ready()).as(beat.describe()).isTrue();
    assertThat(Files.readString(qemu.serialLog())).contains("unideploy sample unikernel smoke");
    assertThat(qemu.isAlive()).isFalse();
    System.out.printf(
        "sample raw under %s: ready in %.3f s%n",
        qemu.accelerator(), ready.elapsed().toMillis() / 1e3);
  }
}
