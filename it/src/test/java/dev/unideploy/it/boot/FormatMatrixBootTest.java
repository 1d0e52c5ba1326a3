package dev.unideploy.it.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.unideploy.image.TargetFormat;
import dev.unideploy.pipeline.events.RecordingEventSink;
import dev.unideploy.pipeline.qemu.DiskController;
import dev.unideploy.pipeline.verify.BootVerifier;
import dev.unideploy.pipeline.verify.VerifyRequest;
import dev.unideploy.pipeline.verify.VerifyResult;
import dev.unideploy.sample.SampleUnikernel;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Both test kernels boot and verify from every format a cloud takes, converted by qemu-img and by
 * unideploy's own writers; the format reaches QEMU from content detection.
 */
class FormatMatrixBootTest {
  @TempDir static Path dir;
  static Path sample;
  static Path pm32;

  @BeforeAll
  static void images() throws Exception {
    sample = BootImages.sample(dir);
    pm32 = BootImages.nasm("pm32-hello", dir, 8);
  }

  @ParameterizedTest(name = "{0} via qemu-img {1} {2}")
  @CsvSource({
    "sample, raw, ''",
    "sample, vmdk, subformat=monolithicSparse",
    "sample, vmdk, subformat=streamOptimized",
    "sample, vpc, 'subformat=fixed,force_size=on'",
    "sample, vpc, 'subformat=dynamic,force_size=on'",
    "sample, qcow2, ''",
    "pm32, raw, ''",
    "pm32, vmdk, subformat=monolithicSparse",
    "pm32, vmdk, subformat=streamOptimized",
    "pm32, vpc, 'subformat=fixed,force_size=on'",
    "pm32, vpc, 'subformat=dynamic,force_size=on'",
  })
  void bootsAfterQemuImgConvert(String which, String fmt, String opts) throws Exception {
    Path raw = which.equals("sample") ? sample : pm32;
    Path out =
        BootImages.qemuImg(
            raw, dir.resolve(which + "-" + fmt + "-" + opts.hashCode() + "." + fmt), fmt, opts);
    // The format of the file the user gave; QEMU itself only ever sees a validated raw copy.
    assertBoots(out, which, fmt.equals("vpc") ? "vhd" : fmt);
  }

  @ParameterizedTest(name = "{0} via unideploy {1}")
  @CsvSource({
    "sample, VMDK_SPARSE, vmdk",
    "sample, VMDK_STREAM, vmdk",
    "sample, VHD_FIXED, vhd",
    "sample, VHD_DYNAMIC, vhd",
    "sample, RAW, raw",
    "pm32, VMDK_SPARSE, vmdk",
    "pm32, VMDK_STREAM, vmdk",
    "pm32, VHD_FIXED, vhd",
    "pm32, VHD_DYNAMIC, vhd",
  })
  void bootsAfterUnideployConvert(String which, TargetFormat format, String driver)
      throws Exception {
    Path raw = which.equals("sample") ? sample : pm32;
    Path out = BootImages.unideploy(raw, dir.resolve(which + "-ud-" + format), format);
    assertBoots(out, which, driver);
  }

  private static void assertBoots(Path image, String which, String driver) throws Exception {
    String ready = which.equals("sample") ? SampleUnikernel.READY_REGEX : BootImages.PM32_READY;
    VerifyRequest req =
        VerifyRequest.console(image, ready)
            .withTimeout(BootImages.BOOT_TIMEOUT)
            .withController(DiskController.VIRTIO)
            .withAccelerator(BootImages.accelerator());
    VerifyResult r = new BootVerifier().verify(req, new RecordingEventSink());
    assertThat(r.ok()).as(r.failureMessage()).isTrue();
    assertThat(r.qemuFormat()).isEqualTo(driver);
    assertThat(r.consoleTail())
        .anyMatch(l -> l.contains(which.equals("sample") ? "disk check ok" : "pm32-hello: 32-bit"));
  }
}
