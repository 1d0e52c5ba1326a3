package dev.unideploy.pipeline.verify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.unideploy.image.ImageFormat;
import dev.unideploy.pipeline.UnideployException;
import dev.unideploy.pipeline.events.RecordingEventSink;
import dev.unideploy.pipeline.qemu.BootOutcome;
import dev.unideploy.pipeline.qemu.ConsoleMatcher;
import dev.unideploy.pipeline.qemu.ReadinessCheck;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VerifyRequestTest {
  @TempDir Path dir;

  @Test
  void qemuDriversForEveryBootableFormat() {
    Path p = Path.of("x");
    assertThat(QemuDiskFormat.driver(ImageFormat.RAW, p)).isEqualTo("raw");
    assertThat(QemuDiskFormat.driver(ImageFormat.VMDK, p)).isEqualTo("vmdk");
    assertThat(QemuDiskFormat.driver(ImageFormat.VHD, p)).isEqualTo("vpc");
    assertThat(QemuDiskFormat.driver(ImageFormat.QCOW2, p)).isEqualTo("qcow2");
    assertThatThrownBy(() -> QemuDiskFormat.driver(ImageFormat.GCE_TARBALL, p))
        .isInstanceOf(UnideployException.class)
        .hasMessageContaining("disk.raw");
  }

  @Test
  void consoleCheckNeedsAPattern() {
    assertThatThrownBy(
            () ->
                VerifyRequest.console(Path.of("x"), "READY")
                    .withReadiness(ConsoleMatcher.panicsOnly(), new ReadinessCheck.Console()))
        .hasMessageContaining("regex");
    assertThatThrownBy(() -> VerifyRequest.console(Path.of("x"), "R").withTimeout(Duration.ZERO))
        .hasMessageContaining("timeout");
    assertThat(new ReadinessCheck.Http(8080, "health").path()).isEqualTo("/health");
  }

  @Test
  void missingImageIsAClearErrorBeforeQemuStarts() {
    assertThatThrownBy(
            () ->
                new BootVerifier()
                    .verify(
                        VerifyRequest.console(dir.resolve("nope.raw"), "R"),
                        new RecordingEventSink()))
        .isInstanceOf(UnideployException.class)
        .hasMessageContaining("nope.raw")
        .hasMessageContaining("no such file");
  }

  @Test
  void vhdxIsRefusedWithAdvice() throws Exception {
    Path f = dir.resolve("disk.vhdx");
    Files.write(f, "vhdxfile".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    assertThatThrownBy(() -> QemuDiskFormat.detect(f, null)).hasMessageContaining("VHDX");
  }

  @Test
  void resultDocumentAndFailureMessage() {
    VerifyResult r =
        new VerifyResult(
            false,
            BootOutcome.Status.RESET,
            Duration.ofMillis(1234),
            "tcg",
            "nvme",
            "bios",
            "vmdk",
            "the guest reset the machine",
            List.of("a", "b"),
            "/tmp/x/serial.log");
    com.fasterxml.jackson.databind.JsonNode m = dev.unideploy.pipeline.ResultJson.tree(r);
    assertThat(m.get("ok").asBoolean()).isFalse();
    assertThat(m.get("status").asText()).isEqualTo("reset");
    assertThat(m.get("bootSeconds").asDouble()).isEqualTo(1.234);
    assertThat(m.get("controller").asText()).isEqualTo("nvme");
    assertThat(m.get("format").asText()).isEqualTo("vmdk");
    assertThat(m.get("consoleTail").toString()).isEqualTo("[\"a\",\"b\"]");
    assertThat(m.has("bootTime")).isFalse();
    assertThat(r.failureMessage())
        .isEqualTo(
            "the guest reset the machine\nlast console lines:\n  | a\n  | b\n"
                + "full console log: /tmp/x/serial.log");
  }
}
