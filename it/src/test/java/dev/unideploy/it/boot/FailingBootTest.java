package dev.unideploy.it.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.unideploy.pipeline.events.RecordingEventSink;
import dev.unideploy.pipeline.qemu.BootMode;
import dev.unideploy.pipeline.qemu.BootOutcome;
import dev.unideploy.pipeline.qemu.BootWatcher;
import dev.unideploy.pipeline.qemu.ConsoleMatcher;
import dev.unideploy.pipeline.qemu.QemuLauncher;
import dev.unideploy.pipeline.qemu.QemuProcess;
import dev.unideploy.pipeline.qemu.QemuSpec;
import dev.unideploy.pipeline.verify.BootVerifier;
import dev.unideploy.pipeline.verify.VerifyRequest;
import dev.unideploy.pipeline.verify.VerifyResult;
import dev.unideploy.sample.SampleUnikernel;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Guests that do not come up fail verification with a clear reason and their console's tail. */
class FailingBootTest {
  @TempDir Path dir;

  private VerifyResult verify(Path image, String ready, Duration timeout) throws Exception {
    return new BootVerifier()
        .verify(
            VerifyRequest.console(image, ready)
                .withTimeout(timeout)
                .withAccelerator(BootImages.accelerator())
                // Failed boots keep their logs: keep them in the test's directory, not in /tmp.
                .withWorkDir(dir.resolve("verify-" + image.getFileName())),
            new RecordingEventSink());
  }

  @Test
  void tripleFaultIsAReset() throws Exception {
    Path img = BootImages.nasm("triple-fault", dir, 8);
    VerifyResult r = verify(img, "never printed", BootImages.BOOT_TIMEOUT);
    assertThat(r.ok()).isFalse();
    if (r.accelerator().equals("tcg")) {
      assertThat(r.status()).isEqualTo(BootOutcome.Status.RESET);
      assertThat(r.detail()).contains("reset the machine");
    } else {
      // Some (nested) KVM hosts stop the vCPU with an internal error instead of resetting.
      assertThat(r.status()).isIn(BootOutcome.Status.RESET, BootOutcome.Status.CRASHED);
    }
    assertThat(r.consoleTail()).contains("triple-fault test image: loading an empty IDT");
    assertThat(r.failureMessage()).contains("last console lines:").contains("| triple-fault");
    assertThat(r.bootTime()).isLessThan(BootImages.BOOT_TIMEOUT);
  }

  @Test
  void powerOffBeforeReadyIsAShutdown() throws Exception {
    Path img = BootImages.nasm("poweroff", dir, 8);
    VerifyResult r = verify(img, "never printed", BootImages.BOOT_TIMEOUT);
    assertThat(r.status()).isEqualTo(BootOutcome.Status.SHUTDOWN);
    assertThat(r.detail()).contains("powered off");
    assertThat(r.consoleTail()).containsExactly("poweroff test image: switching off");
  }

  @Test
  void kernelPanicLineFailsAtOnce() throws Exception {
    Path img = BootImages.nasm("panic", dir, 8);
    VerifyResult r = verify(img, "never printed", BootImages.BOOT_TIMEOUT);
    assertThat(r.status()).isEqualTo(BootOutcome.Status.PANIC);
    assertThat(r.detail()).contains("Kernel panic - not syncing");
    assertThat(r.consoleTail()).contains("mounting root filesystem");
    assertThat(r.bootTime()).isLessThan(BootImages.BOOT_TIMEOUT);
  }

  @Test
  void silentGuestTimesOutAndQemuIsKilled() throws Exception {
    Path img = BootImages.nasm("silent", dir, 8);
    Duration timeout = Duration.ofSeconds(6);
    QemuSpec spec = QemuSpec.builder(img).accelerator(BootImages.accelerator()).build();
    QemuProcess qemu = new QemuLauncher().launch(spec, dir.resolve("work"));
    BootOutcome o;
    Instant t0 = Instant.now();
    try {
      o = new BootWatcher(ConsoleMatcher.ready("READY")).await(qemu, timeout);
    } finally {
      qemu.close();
    }
    assertThat(o.status()).isEqualTo(BootOutcome.Status.TIMEOUT);
    assertThat(o.detail()).contains("stayed silent");
    assertThat(o.consoleTail()).isEmpty();
    assertThat(Duration.between(t0, Instant.now())).isLessThan(timeout.plusSeconds(30));
    // Gone, not just asked to go: no process with that pid is left.
    assertThat(ProcessHandle.of(qemu.pid()).map(ProcessHandle::isAlive))
        .isNotEqualTo(java.util.Optional.of(true));

    // The verify step does the same at its deadline and reports the silence.
    VerifyResult r = verify(img, "READY", timeout);
    assertThat(r.status()).isEqualTo(BootOutcome.Status.TIMEOUT);
    assertThat(r.failureMessage()).contains("stayed silent").contains("(no console output)");
    assertThat(
            ProcessHandle.current()
                .descendants()
                .filter(p -> p.isAlive())
                .filter(p -> p.info().command().orElse("").contains("qemu")))
        .isEmpty();
  }

  @Test
  void sampleWithDamagedDataPanicsOnItsDiskCheck() throws Exception {
    Path img = BootImages.sample(dir);
    // Flip a byte of the data sector at 1 MiB, as a conversion that mangles data would.
    try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "rw")) {
      f.seek((1L << 20) + 200);
      int b = f.read();
      f.seek((1L << 20) + 200);
      f.write(b ^ 0x01);
    }
    VerifyResult r = verify(img, SampleUnikernel.READY_REGEX, BootImages.BOOT_TIMEOUT);
    assertThat(r.status()).isEqualTo(BootOutcome.Status.PANIC);
    assertThat(r.detail()).contains(SampleUnikernel.PANIC_LINE);
    assertThat(r.consoleTail()).anyMatch(l -> l.startsWith("unideploy sample unikernel v1"));
  }

  @Test
  void sampleTruncatedToFewerSectorsFailsToRead() throws Exception {
    // A conversion that loses the tail (e.g. a VHD rounded down to its CHS geometry) must not
    // boot: the sample's second data sector sits 64 sectors before the end.
    Path img = BootImages.sample(dir);
    try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "rw")) {
      f.setLength(f.length() - 104 * 512);
    }
    VerifyResult r = verify(img, SampleUnikernel.READY_REGEX, BootImages.BOOT_TIMEOUT);
    assertThat(r.ok()).isFalse();
    assertThat(r.status()).isEqualTo(BootOutcome.Status.PANIC);
    assertThat(r.detail()).contains("PANIC");
  }

  @Test
  void biosOnlyImageDoesNotBootUnderUefi() throws Exception {
    Path img = BootImages.sample(dir);
    VerifyResult r =
        new BootVerifier()
            .verify(
                VerifyRequest.console(img, SampleUnikernel.READY_REGEX)
                    .withBootMode(BootMode.UEFI)
                    .withTimeout(Duration.ofSeconds(45))
                    .withAccelerator(BootImages.accelerator())
                    .withWorkDir(dir.resolve("verify-uefi")),
                new RecordingEventSink());
    assertThat(r.ok()).as("a BIOS boot sector has no EFI loader").isFalse();
    assertThat(r.bootMode()).isEqualTo("uefi");
    // OVMF ran (its boot manager's lines are on the console) and fell back to its shell.
    assertThat(r.status()).isEqualTo(BootOutcome.Status.PANIC);
    assertThat(r.detail()).contains("UEFI Interactive Shell");
    assertThat(r.consoleTail()).anyMatch(l -> l.startsWith("BdsDxe:"));
    assertThat(r.consoleTail()).noneMatch(l -> l.contains("\u001b"));
    assertThat(Files.exists(Path.of(r.serialLog()))).isTrue();
  }
}
