package dev.unideploy.image.write;

import static org.assertj.core.api.Assertions.assertThat;

import dev.unideploy.image.TargetFormat;
import dev.unideploy.image.testing.MemoryDiskImage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveStructSparse;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Sparse maps longer than the header holds, and sizes past the octal fields' 8 GiB. */
class GceTarballLayoutTest {
  @TempDir Path dir;

  @Test
  void manyRegionsUseExtensionHeaders() throws IOException {
    int[][] runs = new int[60][];
    for (int i = 0; i < runs.length; i++) {
      runs[i] = new int[] {4096 + i, i % 2 == 0 ? 1 : 0};
    }
    MemoryDiskImage image = MemoryDiskImage.fromRuns(3, runs);
    Path out = dir.resolve("disk.tar.gz");
    WrittenImages.write(
        image, TargetFormat.GCE_TARBALL, out, WriteOptions.defaults().withSparse(true));
    try (InputStream in = Files.newInputStream(out);
        TarArchiveInputStream tar = new TarArchiveInputStream(new GzipCompressorInputStream(in))) {
      TarArchiveEntry e = tar.getNextEntry();
      assertThat(e.isOldGNUSparse()).isTrue();
      assertThat(e.getRealSize()).isEqualTo(1L << 30);
      // Commons Compress also lists the unused (all-NUL) slots of the last extension block
      List<TarArchiveStructSparse> headers =
          e.getSparseHeaders().stream()
              .filter(s -> s.getOffset() != 0 || s.getNumbytes() != 0)
              .toList();
      // 30 data runs and the empty region that marks the end of the file
      assertThat(headers).hasSize(31);
      assertThat(headers.get(30).getOffset()).isEqualTo(1L << 30);
      assertThat(headers.get(30).getNumbytes()).isZero();
      byte[] back = tar.readNBytes(image.bytes().length);
      assertThat(back).isEqualTo(image.bytes());
      assertThat(tar.getNextEntry()).isNull();
    }
  }

  /**
   * Past 8 GiB the 12-byte octal fields overflow and GNU tar switches to base-256 (a leading 0x80
   * byte, then big-endian). Commons Compress does not parse base-256 realsize, so the bytes are
   * checked here and GNU tar reads the archive in the it/ module's GceTarballGnuTarTest.
   */
  @Test
  void largeSparseDiskUsesBase256Sizes() throws IOException {
    long size = (16L << 30) + 12345;
    MemoryDiskImage small = MemoryDiskImage.fromRuns(5, new int[][] {{1 << 20, 1}});
    MemoryDiskImage image = MemoryDiskImage.withZeroTail(small.bytes(), size);
    Path out = dir.resolve("big.tar.gz");
    WriteResult r =
        WrittenImages.write(
            image, TargetFormat.GCE_TARBALL, out, WriteOptions.defaults().withSparse(true));
    assertThat(r.outputVirtualSize()).isEqualTo(17L << 30);
    byte[] header;
    try (InputStream in = new GzipCompressorInputStream(Files.newInputStream(out))) {
      header = in.readNBytes(512);
    }
    assertThat(header[156]).isEqualTo((byte) 'S');
    assertThat(new String(header, 124, 11, StandardCharsets.US_ASCII)).isEqualTo("00004000000");
    assertThat(header[483] & 0xff).isEqualTo(0x80); // realsize, base-256
    assertThat(ByteBuffer.wrap(header, 483 + 4, 8).getLong()).isEqualTo(17L << 30);
    assertThat(header[386 + 24] & 0xff).isEqualTo(0x80); // second region's offset
    assertThat(ByteBuffer.wrap(header, 386 + 24 + 4, 8).getLong()).isEqualTo(17L << 30);
  }
}
