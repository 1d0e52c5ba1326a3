package dev.unideploy.it.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.unideploy.pipeline.events.RecordingEventSink;
import dev.unideploy.pipeline.qemu.QemuLauncher;
import dev.unideploy.pipeline.qemu.QemuProcess;
import dev.unideploy.pipeline.qemu.QemuSpec;
import dev.unideploy.pipeline.verify.BootVerifier;
import dev.unideploy.pipeline.verify.VerifyRequest;
import dev.unideploy.pipeline.verify.VerifyResult;
import dev.unideploy.sample.SampleUnikernel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Verification boots from a copy-on-write overlay: the image file is bit-for-bit unchanged. */
class VerifyLeavesInputUnchangedTest {
  @TempDir Path dir;

  @Test
  void hashAndTimeAreTheSameAfterVerify() throws Exception {
    Path img = BootImages.sample(dir);
    String before = BootImages.sha256(img);
    FileTime mtime = Files.getLastModifiedTime(img);
    VerifyResult r =
        new BootVerifier()
            .verify(
                VerifyRequest.console(img, SampleUnikernel.READY_REGEX)
                    .withTimeout(BootImages.BOOT_TIMEOUT)
                    .withAccelerator(BootImages.accelerator()),
                new RecordingEventSink());
    assertThat(r.ok()).as(r.failureMessage()).isTrue();
    assertThat(BootImages.sha256(img)).isEqualTo(before);
    assertThat(Files.getLastModifiedTime(img)).isEqualTo(mtime);

    // Even a write to the guest's disk lands in the overlay, not in the file.
    QemuSpec spec = QemuSpec.builder(img).accelerator(BootImages.accelerator()).build();
    assertThat(spec.snapshot()).isTrue();
    try (QemuProcess q = new QemuLauncher().launch(spec, dir.resolve("work-snap"))) {
      assertThat(q.hmp("qemu-io disk0 \"write -P 0x5a 4M 4k\"", Duration.ofSeconds(20)))
          .isPresent();
    }
    assertThat(BootImages.sha256(img)).isEqualTo(before);
  }

  @Test
  void theTestCanFail_withoutSnapshotAGuestWriteChangesTheFile() throws Exception {
    // Control experiment: the same guest, snapshot off, through a QEMU monitor write. If this did
    // not change the hash, the test above would prove nothing.
    Path img = BootImages.sample(dir);
    String before = BootImages.sha256(img);
    QemuSpec spec =
        QemuSpec.builder(img).snapshot(false).accelerator(BootImages.accelerator()).build();
    try (QemuProcess q = new QemuLauncher().launch(spec, dir.resolve("work"))) {
      // qemu-io through HMP writes a pattern at 4 MiB on the guest's disk.
      assertThat(q.hmp("qemu-io disk0 \"write -P 0x5a 4M 4k\"", Duration.ofSeconds(20)))
          .isPresent();
    }
    assertThat(BootImages.sha256(img)).isNotEqualTo(before);
  }
}
