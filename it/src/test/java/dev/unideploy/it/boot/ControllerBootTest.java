package dev.unideploy.it.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.unideploy.pipeline.events.ProgressEvent;
import dev.unideploy.pipeline.events.RecordingEventSink;
import dev.unideploy.pipeline.events.TimingEvent;
import dev.unideploy.pipeline.qemu.DiskController;
import dev.unideploy.pipeline.verify.BootVerifier;
import dev.unideploy.pipeline.verify.VerifyRequest;
import dev.unideploy.pipeline.verify.VerifyResult;
import dev.unideploy.sample.SampleUnikernel;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The sample boots from each cloud's disk controller: virtio, NVMe, virtio-scsi, IDE. */
class ControllerBootTest {
  @TempDir static Path dir;
  static Path sample;

  @BeforeAll
  static void image() throws Exception {
    sample = BootImages.sample(dir);
  }

  @ParameterizedTest
  @EnumSource(DiskController.class)
  void sampleVerifiesOn(DiskController controller) throws Exception {
    RecordingEventSink events = new RecordingEventSink();
    VerifyResult r =
        new BootVerifier()
            .verify(
                VerifyRequest.console(sample, SampleUnikernel.READY_REGEX)
                    .withController(controller)
                    .withTimeout(BootImages.BOOT_TIMEOUT)
                    .withAccelerator(BootImages.accelerator()),
                events);
    assertThat(r.ok()).as(r.failureMessage()).isTrue();
    assertThat(r.controller()).isEqualTo(controller.cliName());
    assertThat(r.bootTime()).isPositive().isLessThan(BootImages.BOOT_TIMEOUT);
    assertThat(r.detail()).contains("READY sample-unikernel v1");
    // The step reports progress in seconds, a finished progress, and its timing.
    assertThat(events.eventsOf(ProgressEvent.class))
        .isNotEmpty()
        .allMatch(p -> p.unit() == ProgressEvent.Unit.SECONDS);
    assertThat(events.eventsOf(ProgressEvent.class)).anyMatch(ProgressEvent::finished);
    assertThat(events.eventsOf(TimingEvent.class)).anyMatch(t -> t.step().equals("verify"));
    System.out.printf(
        "sample on %s: booted in %.3f s under %s%n",
        controller.cliName(), r.bootSeconds(), r.accelerator());
  }
}
