package dev.unideploy.it.formats;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.unideploy.image.DiskImage;
import dev.unideploy.image.Extent;
import dev.unideploy.image.TargetFormat;
import dev.unideploy.image.formats.ImageReaders;
import dev.unideploy.image.formats.ImageWriters;
import dev.unideploy.image.write.WriteOptions;
import dev.unideploy.image.write.WriteProgress;
import dev.unideploy.image.write.WriteResult;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Every writer's output is accepted by qemu-img (info with the right format and size, compare
 * identical to the source, check clean where qemu supports it), read from a sparse raw file with
 * unaligned size through the project's raw reader.
 */
class WriterQemuImgTest {
  /** 40 MiB + 1234 bytes: random data, text, holes and a data run that is all zero. */
  private static final long SIZE = (40L << 20) + 1234;

  @TempDir static Path dir;
  private static Path source;

  @BeforeAll
  static void writeSource() throws IOException {
    source = dir.resolve("source.raw");
    Random rnd = new Random(11);
    try (RandomAccessFile f = new RandomAccessFile(source.toFile(), "rw")) {
      f.setLength(SIZE);
      byte[] random = new byte[6 << 20];
      rnd.nextBytes(random);
      f.seek(1 << 20);
      f.write(random);
      StringBuilder text = new StringBuilder();
      while (text.length() < (3 << 20)) {
        text.append("unikernel boot line ").append(text.length()).append('\n');
      }
      f.seek(17L << 20);
      f.write(text.toString().getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      f.seek(30L << 20);
      f.write(new byte[2 << 20]); // written zeroes: allocated, but must not become data
      f.seek(SIZE - 700);
      f.write(random, 0, 700); // data in the unaligned tail
    }
  }

  private static WriteResult convert(TargetFormat format, Path out, WriteOptions options)
      throws IOException {
    try (DiskImage image = ImageReaders.open(source);
        FileChannel ch =
            FileChannel.open(
                out,
                StandardOpenOption.CREATE_NEW,
                StandardOpenOption.READ,
                StandardOpenOption.WRITE)) {
      return ImageWriters.writerFor(format).write(image, ch, options, WriteProgress.NONE);
    }
  }

  @ParameterizedTest
  @CsvSource({
    "RAW, raw, raw, false",
    "VMDK_STREAM, vmdk, vmdk, true",
    "VMDK_SPARSE, vmdk, vmdk, true",
    "VHD_FIXED, vpc, vpc, false",
    "VHD_DYNAMIC, vpc, vpc, false"
  })
  void qemuImgAcceptsTheOutput(
      TargetFormat format, String qemuFormat, String expectedFormat, boolean checkable)
      throws Exception {
    Path out = dir.resolve("out-" + format.cliName());
    WriteResult result = convert(format, out, WriteOptions.defaults());

    JsonNode info =
        new ObjectMapper()
            .readTree(
                Tools.ok(
                    dir, "qemu-img", "info", "--output=json", "-f", qemuFormat, out.toString()));
    assertThat(info.get("format").asText()).isEqualTo(expectedFormat);
    // qemu rounds a raw file's size up to whole sectors
    assertThat(info.get("virtual-size").asLong())
        .isEqualTo((result.outputVirtualSize() + 511) / 512 * 512);
    assertThat(result.outputBytes()).isEqualTo(Files.size(out));
    long expectedSize =
        switch (format) {
          case RAW -> SIZE;
          case VHD_FIXED -> 41L << 20; // whole MiB for Azure
          default -> (SIZE + 511) / 512 * 512; // whole sectors
        };
    assertThat(result.outputVirtualSize()).isEqualTo(expectedSize);
    if (format == TargetFormat.VMDK_STREAM) {
      assertThat(info.at("/format-specific/data/create-type").asText())
          .isEqualTo("streamOptimized");
      assertThat(info.at("/format-specific/data/extents/0/compressed").asBoolean()).isTrue();
    }

    // Identical contents; a larger output must be zero past the source (qemu-img compare's rule).
    String compare =
        Tools.ok(
            dir,
            "qemu-img",
            "compare",
            "-f",
            "raw",
            "-F",
            qemuFormat,
            "source.raw",
            out.getFileName().toString());
    assertThat(compare).contains("Images are identical");

    if (checkable) {
      assertThat(Tools.ok(dir, "qemu-img", "check", "-f", qemuFormat, out.toString()))
          .contains("No errors were found");
    }
  }

  @Test
  void gnuTarListsAndExtractsTheGceTarball() throws Exception {
    for (boolean sparse : new boolean[] {false, true}) {
      Path out = dir.resolve("gce-" + sparse + ".tar.gz");
      WriteResult result =
          convert(TargetFormat.GCE_TARBALL, out, WriteOptions.defaults().withSparse(sparse));
      assertThat(result.outputVirtualSize()).isEqualTo(1L << 30);

      String listing = Tools.ok(dir, "tar", "-tvzf", out.getFileName().toString());
      assertThat(listing.strip().lines()).hasSize(1);
      assertThat(listing).contains(" 1073741824 ").contains("disk.raw");

      Path x = Files.createDirectories(dir.resolve("x-" + sparse));
      Tools.ok(x, "tar", "-xzf", out.toString());
      Path extracted = x.resolve("disk.raw");
      assertThat(Files.size(extracted)).isEqualTo(1L << 30);
      // Same bytes as the source, then zeroes to the GiB: qemu-img compare checks both.
      assertThat(
              Tools.ok(
                  dir,
                  "qemu-img",
                  "compare",
                  "-f",
                  "raw",
                  "-F",
                  "raw",
                  "source.raw",
                  extracted.toString()))
          .contains("Images are identical");
      Files.delete(extracted);
    }
  }

  @Test
  void gnuTarReadsBase256SizesOfALargeSparseTarball() throws Exception {
    Path big = dir.resolve("big.raw");
    try (RandomAccessFile f = new RandomAccessFile(big.toFile(), "rw")) {
      f.setLength((16L << 30) + 4096);
      f.seek(9L << 30); // past the 8 GiB that 11 octal digits hold
      f.write("past the octal limit".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    }
    Path out = dir.resolve("big.tar.gz");
    long dataAt = 9L << 30;
    List<Extent> extents =
        List.of(
            Extent.zero(0, dataAt),
            Extent.data(dataAt, 4096),
            Extent.zero(dataAt + 4096, (16L << 30) - dataAt));
    try (DiskImage image = new KnownExtentsImage(big, extents);
        FileChannel ch =
            FileChannel.open(out, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      ImageWriters.writerFor(TargetFormat.GCE_TARBALL)
          .write(image, ch, WriteOptions.defaults().withSparse(true), WriteProgress.NONE);
    }
    assertThat(Tools.ok(dir, "tar", "-tvzf", "big.tar.gz")).contains(" 18253611008 ");
    Path x = Files.createDirectories(dir.resolve("x-big"));
    Tools.ok(x, "tar", "-xzf", out.toString());
    assertThat(
            Tools.ok(
                dir,
                "qemu-img",
                "compare",
                "-f",
                "raw",
                "-F",
                "raw",
                "big.raw",
                x.resolve("disk.raw").toString()))
        .contains("Images are identical");
  }
}
