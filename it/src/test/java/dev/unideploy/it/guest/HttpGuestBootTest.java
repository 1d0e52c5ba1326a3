package dev.unideploy.it.guest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.unideploy.pipeline.events.RecordingEventSink;
import dev.unideploy.pipeline.qemu.Accelerator;
import dev.unideploy.pipeline.qemu.BootMode;
import dev.unideploy.pipeline.qemu.BootOutcome;
import dev.unideploy.pipeline.qemu.BootWatcher;
import dev.unideploy.pipeline.qemu.ConsoleMatcher;
import dev.unideploy.pipeline.qemu.DiskController;
import dev.unideploy.pipeline.qemu.PortForward;
import dev.unideploy.pipeline.qemu.QemuLauncher;
import dev.unideploy.pipeline.qemu.QemuProcess;
import dev.unideploy.pipeline.qemu.QemuSpec;
import dev.unideploy.pipeline.qemu.ReadinessCheck;
import dev.unideploy.pipeline.verify.BootVerifier;
import dev.unideploy.pipeline.verify.VerifyRequest;
import dev.unideploy.pipeline.verify.VerifyResult;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The HTTP test guest boots under TCG on BIOS and on UEFI (OVMF) and answers HTTP with its release
 * tag; the verify step accepts it on HTTP readiness and rejects its panic variant.
 */
class HttpGuestBootTest {
  /** Per boot: ~3 s (BIOS) to ~6 s (UEFI) under TCG when the machine is idle. */
  private static final Duration BOOT_TIMEOUT = Duration.ofSeconds(120);

  @TempDir Path dir;

  @ParameterizedTest
  @EnumSource(BootMode.class)
  void answersGetWithItsTag(BootMode firmware) throws Exception {
    Path image = HttpGuest.image("v2", false, firmware);
    QemuSpec spec =
        QemuSpec.builder(image)
            .bootMode(firmware)
            .accelerator(Accelerator.TCG)
            .port(PortForward.toGuest(80))
            .build();
    try (QemuProcess qemu = new QemuLauncher().launch(spec, dir.resolve("qemu"))) {
      BootOutcome ready =
          new BootWatcher(ConsoleMatcher.ready(HttpGuest.readyRegex("v2")))
              .await(qemu, BOOT_TIMEOUT);
      assertThat(ready.ready()).as(ready.describe()).isTrue();
      HttpResponse<String> answer =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + qemu.hostPort(80) + "/"))
                      .timeout(Duration.ofSeconds(10))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      assertThat(answer.statusCode()).isEqualTo(200);
      assertThat(answer.body()).isEqualTo(HttpGuest.body("v2") + "\n");
      System.out.printf(
          "http guest on %s: READY in %.1f s under TCG%n",
          firmware, ready.elapsed().toMillis() / 1e3);
    }
  }

  @Test
  void uefiImageVerifiesOnHttpReadinessFromVirtioScsi() throws Exception {
    VerifyResult r =
        verify(
            request("v3", false, BootMode.UEFI)
                .withReadiness(ConsoleMatcher.panicsOnly(), new ReadinessCheck.Http(80, "/"))
                .withController(DiskController.VIRTIO_SCSI));
    assertThat(r.ok()).as(r.failureMessage()).isTrue();
    assertThat(r.bootMode()).isEqualTo("uefi");
    assertThat(r.controller()).isEqualTo("virtio-scsi");
    assertThat(r.detail()).contains("HTTP GET guest port 80");
  }

  @Test
  void panicVariantFailsVerificationWithTheKernelPanic() throws Exception {
    VerifyResult r = verify(request("v1", true, BootMode.BIOS));
    assertThat(r.ok()).isFalse();
    assertThat(r.status()).isEqualTo(BootOutcome.Status.PANIC);
    assertThat(r.detail()).contains("Kernel panic - not syncing");
    // The panic's register dump fills the console tail; the guest's own line is in the log.
    assertThat(Files.readString(Path.of(r.serialLog())))
        .contains("unideploy-http-guest v1: built with --panic: init exits now");
    assertThat(r.bootTime()).isLessThan(BOOT_TIMEOUT);
  }

  /** Console readiness on the tag's READY line, under TCG, logs kept in the test's directory. */
  private VerifyRequest request(String tag, boolean panic, BootMode firmware) throws Exception {
    return VerifyRequest.console(HttpGuest.image(tag, panic, firmware), HttpGuest.readyRegex(tag))
        .withBootMode(firmware)
        .withAccelerator(Accelerator.TCG)
        .withTimeout(BOOT_TIMEOUT)
        .withWorkDir(dir.resolve("verify"));
  }

  private static VerifyResult verify(VerifyRequest request) throws Exception {
    return new BootVerifier().verify(request, new RecordingEventSink());
  }
}
