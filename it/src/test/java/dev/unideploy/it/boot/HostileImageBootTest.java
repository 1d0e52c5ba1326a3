package dev.unideploy.it.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.unideploy.pipeline.UnideployException;
import dev.unideploy.pipeline.events.RecordingEventSink;
import dev.unideploy.pipeline.verify.BootVerifier;
import dev.unideploy.pipeline.verify.VerifyRequest;
import dev.unideploy.sample.SampleUnikernel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An image must not be able to show a host file to the guest: QEMU follows a qcow2 backing file and
 * a VMDK descriptor's extents by absolute path, so verify and run refuse them before QEMU starts
 * (it only ever boots a raw copy that image-formats wrote).
 */
class HostileImageBootTest {
  @TempDir Path dir;

  private void assertRefusedBeforeBooting(Path image, String why) {
    RecordingEventSink events = new RecordingEventSink();
    assertThatThrownBy(
            () ->
                new BootVerifier()
                    .verify(
                        VerifyRequest.console(image, SampleUnikernel.READY_REGEX)
                            .withAccelerator(BootImages.accelerator()),
                        events))
        .isInstanceOf(UnideployException.class)
        .hasMessageContaining(why);
    assertThat(events.events().toString()).doesNotContain("booting");
  }

  @Test
  void aQcow2WithABackingFileOnTheHostIsRefused() throws Exception {
    Path secret = dir.resolve("host-secret.raw");
    Files.write(secret, "TOP SECRET host file".repeat(1000).getBytes(StandardCharsets.UTF_8));
    Path evil = dir.resolve("evil.qcow2");
    BootImages.run(
        dir,
        "qemu-img",
        "create",
        "-f",
        "qcow2",
        "-b",
        secret.toAbsolutePath().toString(),
        "-F",
        "raw",
        evil.toString());

    assertRefusedBeforeBooting(evil, "backing");
  }

  @Test
  void aVmdkDescriptorWhoseExtentIsAnAbsoluteHostPathIsRefused() throws Exception {
    Path secret = dir.resolve("host-secret.raw");
    Files.write(secret, new byte[1 << 20]);
    Path evil = dir.resolve("evil.vmdk");
    Files.writeString(
        evil,
        "# Disk DescriptorFile\nversion=1\nCID=fffffffe\nparentCID=ffffffff\n"
            + "createType=\"monolithicFlat\"\n\nRW 2048 FLAT \""
            + secret.toAbsolutePath()
            + "\" 0\n\nddb.virtualHWVersion = \"4\"\n",
        StandardCharsets.US_ASCII);

    RecordingEventSink events = new RecordingEventSink();
    assertThatThrownBy(
            () ->
                new BootVerifier()
                    .verify(
                        VerifyRequest.console(evil, SampleUnikernel.READY_REGEX)
                            .withAccelerator(BootImages.accelerator()),
                        events))
        .isInstanceOf(UnideployException.class);
    assertThat(events.events().toString()).doesNotContain("booting");
  }
}
