package dev.unideploy.image.write;

import static org.assertj.core.api.Assertions.assertThat;

import dev.unideploy.image.TargetFormat;
import dev.unideploy.image.testing.MemoryDiskImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The same contents give byte-identical files, whatever the thread count; ids follow content. */
class ReproducibleOutputTest {
  @TempDir Path dir;

  private static MemoryDiskImage image(long seed) {
    return MemoryDiskImage.fromRuns(
        seed,
        new int[][] {{3_000_000, 1}, {5_000_000, 0}, {200_001, 2}, {70_000, 3}, {1_000_000, 1}});
  }

  @ParameterizedTest
  @EnumSource(TargetFormat.class)
  void twoConversionsAreIdentical(TargetFormat format) throws IOException {
    Path a = dir.resolve("a");
    Path b = dir.resolve("b");
    WrittenImages.write(image(7), format, a, WriteOptions.defaults().withThreads(1));
    WrittenImages.write(image(7), format, b, WriteOptions.defaults().withThreads(4));
    assertThat(Files.mismatch(a, b)).isEqualTo(-1L);
  }

  @ParameterizedTest
  @EnumSource(
      value = TargetFormat.class,
      names = {"VMDK_STREAM", "VMDK_SPARSE", "VHD_FIXED", "VHD_DYNAMIC"})
  void differentContentsGiveDifferentIds(TargetFormat format) throws IOException {
    Path a = dir.resolve("a");
    Path b = dir.resolve("b");
    WrittenImages.write(image(1), format, a, WriteOptions.defaults());
    WrittenImages.write(image(2), format, b, WriteOptions.defaults());
    byte[] x = Files.readAllBytes(a);
    byte[] y = Files.readAllBytes(b);
    if (format == TargetFormat.VMDK_STREAM || format == TargetFormat.VMDK_SPARSE) {
      assertThat(cid(x)).isNotEqualTo(cid(y));
    } else {
      int footer = x.length - 512;
      assertThat(java.util.Arrays.copyOfRange(x, footer + 68, footer + 84))
          .isNotEqualTo(java.util.Arrays.copyOfRange(y, footer + 68, footer + 84));
    }
  }

  private static String cid(byte[] vmdk) {
    String descriptor = new String(vmdk, 512, 20 * 512, java.nio.charset.StandardCharsets.US_ASCII);
    int at = descriptor.indexOf("CID=");
    return descriptor.substring(at, at + 12);
  }
}
