package dev.unideploy.provider.aws.importsnap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.unideploy.image.TargetFormat;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImportSnapshotPartsTest {
  private static final long MIB = 1L << 20;

  @TempDir Path dir;

  @Test
  void partsGrowOnlyWhenTheFileNeedsMoreThanTenThousand() {
    ImportSnapshotOptions o = ImportSnapshotOptions.builder("b").partSize(8 * MIB).build();
    assertThat(o.partSizeFor(100 * MIB)).isEqualTo(8 * MIB);
    long big = 200_000 * MIB; // ~195 GiB: 8 MiB parts would need 25,000
    long part = o.partSizeFor(big);
    assertThat(part % MIB).isZero();
    assertThat((big + part - 1) / part).isLessThanOrEqualTo(10_000);
  }

  @Test
  void partSizesOutsideS3LimitsAreRefused() {
    assertThatThrownBy(() -> ImportSnapshotOptions.builder("b").partSize(MIB).build())
        .hasMessageContaining("5 MiB to 5 GiB");
    assertThatThrownBy(
            () -> ImportSnapshotOptions.builder("b").encryption(false, "arn:aws:kms:x").build())
        .hasMessageContaining("unencrypted");
  }

  @Test
  void formatsMapToImportSnapshotNames() {
    assertThat(ImportSnapshotUploader.awsFormat(TargetFormat.VMDK_STREAM)).isEqualTo("VMDK");
    assertThat(ImportSnapshotUploader.awsFormat(TargetFormat.VHD_FIXED)).isEqualTo("VHD");
    assertThat(ImportSnapshotUploader.awsFormat(TargetFormat.VHD_DYNAMIC)).isEqualTo("VHD");
    assertThat(ImportSnapshotUploader.awsFormat(TargetFormat.RAW)).isEqualTo("RAW");
    assertThatThrownBy(() -> ImportSnapshotUploader.awsFormat(TargetFormat.GCE_TARBALL))
        .hasMessageContaining("vmdk-stream");
  }

  @Test
  void recognisesTheMissingRoleInEitherPlace() {
    assertThat(
            VmImportRole.isRoleProblem(
                "InvalidParameter: The service role vmimport provided does not exist or does not"
                    + " have sufficient permissions",
                null))
        .isTrue();
    assertThat(
            VmImportRole.isRoleProblem("ClientError: role my-import is not assumable", "my-import"))
        .isTrue();
    assertThat(VmImportRole.isRoleProblem("ClientError: Disk validation failed", null)).isFalse();
    assertThat(VmImportRole.isRoleProblem(null, null)).isFalse();
  }

  @Test
  void aRangeStreamReadsExactlyItsWindow() throws IOException {
    byte[] data = new byte[300_000];
    new Random(3).nextBytes(data);
    Path f = Files.write(dir.resolve("f"), data);
    try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
      for (long[] w : new long[][] {{0, 300_000}, {1, 70_000}, {123_456, 176_544}, {5, 0}}) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (InputStream in = new RangeInputStream(ch, w[0], w[1])) {
          in.transferTo(out);
        }
        assertThat(out.toByteArray())
            .isEqualTo(Arrays.copyOfRange(data, (int) w[0], (int) (w[0] + w[1])));
      }
      InputStream past = new RangeInputStream(ch, 299_000, 5_000);
      assertThatThrownBy(past::readAllBytes).hasMessageContaining("ended at byte 300000");
    }
  }
}
