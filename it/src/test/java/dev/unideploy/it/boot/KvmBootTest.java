package dev.unideploy.it.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.unideploy.pipeline.events.RecordingEventSink;
import dev.unideploy.pipeline.qemu.Accelerator;
import dev.unideploy.pipeline.verify.BootVerifier;
import dev.unideploy.pipeline.verify.VerifyRequest;
import dev.unideploy.pipeline.verify.VerifyResult;
import dev.unideploy.sample.SampleUnikernel;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** With the accelerator left to detection, a host with a usable /dev/kvm boots under KVM. */
class KvmBootTest {
  @TempDir Path dir;

  @Test
  void detectedAcceleratorIsUsedAndReported() throws Exception {
    assumeTrue(Accelerator.detect() == Accelerator.KVM, "/dev/kvm is not usable here");
    Path img = BootImages.sample(dir);
    VerifyResult r =
        new BootVerifier()
            .verify(
                VerifyRequest.console(img, SampleUnikernel.READY_REGEX)
                    .withTimeout(BootImages.BOOT_TIMEOUT),
                new RecordingEventSink());
    assertThat(r.ok()).as(r.failureMessage()).isTrue();
    assertThat(r.accelerator()).isEqualTo("kvm");
    System.out.printf("sample under kvm: booted in %.3f s%n", r.bootSeconds());
  }
}
