package dev.unideploy.it.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.unideploy.pipeline.events.RecordingEventSink;
import dev.unideploy.pipeline.qemu.AcceleratorChoice;
import dev.unideploy.pipeline.verify.BootVerifier;
import dev.unideploy.pipeline.verify.VerifyRequest;
import dev.unideploy.pipeline.verify.VerifyResult;
import dev.unideploy.sample.SampleUnikernel;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * With the accelerator left to detection, the boot runs under what {@code accelerator: auto}
 * chooses for the disk (KVM on a host where it is usable and not nested, TCG otherwise) and reports
 * it.
 */
class AutoAcceleratorBootTest {
  @TempDir Path dir;

  @Test
  void detectedAcceleratorIsUsedAndReported() throws Exception {
    Path img = BootImages.sample(dir);
    AcceleratorChoice.Choice auto = AcceleratorChoice.auto(img);
    VerifyResult r =
        new BootVerifier()
            .verify(
                VerifyRequest.console(img, SampleUnikernel.READY_REGEX)
                    .withTimeout(BootImages.BOOT_TIMEOUT),
                new RecordingEventSink());
    assertThat(r.ok()).as(r.failureMessage()).isTrue();
    assertThat(r.accelerator()).as(auto.why()).isEqualTo(auto.accelerator().qemuName());
    System.out.printf(
        "sample under %s (%s): booted in %.3f s%n", r.accelerator(), auto.why(), r.bootSeconds());
  }
}
