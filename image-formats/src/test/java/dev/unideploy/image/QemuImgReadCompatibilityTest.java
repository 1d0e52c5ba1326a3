package dev.unideploy.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.unideploy.image.detect.ImageDetector;
import dev.unideploy.image.formats.ImageReaders;
import dev.unideploy.image.readtest.CraftedImages;
import dev.unideploy.image.readtest.DiskChecks;
import dev.unideploy.image.readtest.QemuImg;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every reader reads what {@code qemu-img} wrote, in every subformat and option that matters, and
 * yields exactly the bytes of {@code qemu-img convert -O raw}. Skipped where qemu-img is missing
 * (CI always installs it through scripts/emulators.sh).
 */
class QemuImgReadCompatibilityTest {
  private static final long SIZE = 6L * 1024 * 1024 + 100 * 1024 + 1234;

  @TempDir static Path dir;
  private static Path source;

  @BeforeAll
  static void writeSource() throws Exception {
    source = dir.resolve("source.raw");
    try (RandomAccessFile f = new RandomAccessFile(source.toFile(), "rw")) {
      f.setLength(SIZE);
      f.seek(0);
      f.write(CraftedImages.pattern(4096, 11));
      f.seek(1024 * 1024 + 512);
      f.write(CraftedImages.pattern(300 * 1024, 12));
      f.seek(3 * 1024 * 1024);
      byte[] text = new byte[512 * 1024];
      for (int i = 0; i < text.length; i++) {
        text[i] = (byte) ("compressible disk text " + (i / 4096)).charAt(i % 20);
      }
      f.write(text);
      f.seek(4 * 1024 * 1024);
      f.write(new byte[256 * 1024]); // written zeroes: data on disk, zero by content
      f.seek(SIZE - 1234);
      f.write(CraftedImages.pattern(1234, 13));
    }
  }

  static Stream<Arguments> cases() {
    return Stream.of(
        c("qcow2-v2", ImageFormat.QCOW2, "-O", "qcow2", "-o", "compat=0.10"),
        c("qcow2-v3-512", ImageFormat.QCOW2, "-O", "qcow2", "-o", "compat=1.1,cluster_size=512"),
        c("qcow2-v3-64k", ImageFormat.QCOW2, "-O", "qcow2", "-o", "compat=1.1"),
        c("qcow2-v3-2m", ImageFormat.QCOW2, "-O", "qcow2", "-o", "cluster_size=2M"),
        c("qcow2-deflate", ImageFormat.QCOW2, "-c", "-O", "qcow2"),
        c("qcow2-deflate-512", ImageFormat.QCOW2, "-c", "-O", "qcow2", "-o", "cluster_size=512"),
        c("qcow2-deflate-2m", ImageFormat.QCOW2, "-c", "-O", "qcow2", "-o", "cluster_size=2M"),
        c("qcow2-zstd", ImageFormat.QCOW2, "-c", "-O", "qcow2", "-o", "compression_type=zstd"),
        c(
            "qcow2-zstd-4k",
            ImageFormat.QCOW2,
            "-c",
            "-O",
            "qcow2",
            "-o",
            "compression_type=zstd,cluster_size=4096"),
        c("vmdk-sparse", ImageFormat.VMDK, "-O", "vmdk", "-o", "subformat=monolithicSparse"),
        c("vmdk-stream", ImageFormat.VMDK, "-O", "vmdk", "-o", "subformat=streamOptimized"),
        c("vhd-fixed", ImageFormat.VHD, "-O", "vpc", "-o", "subformat=fixed"),
        c("vhd-dynamic", ImageFormat.VHD, "-O", "vpc", "-o", "subformat=dynamic"),
        c("vhd-fixed-force", ImageFormat.VHD, "-O", "vpc", "-o", "subformat=fixed,force_size=on"),
        c(
            "vhd-dynamic-force",
            ImageFormat.VHD,
            "-O",
            "vpc",
            "-o",
            "subformat=dynamic,force_size=on"));
  }

  private static Arguments c(String name, ImageFormat format, String... convertArgs) {
    return Arguments.of(name, format, List.of(convertArgs));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void readsWhatQemuImgWrote(String name, ImageFormat format, List<String> convertArgs)
      throws Exception {
    assumeTrue(QemuImg.available(), "qemu-img is not installed");
    Path image = dir.resolve(name + ".img");
    List<String> args = new ArrayList<>(List.of("convert", "-f", "raw"));
    args.addAll(convertArgs);
    args.add(source.toString());
    args.add(image.toString());
    QemuImg.run(args.toArray(String[]::new));

    assertThat(ImageDetector.detect(image)).isEqualTo(format);
    byte[] expected = qemuRaw(image, convertArgs.get(convertArgs.indexOf("-O") + 1));
    try (DiskImage disk = ImageReaders.open(image, null, ReadOptions.defaults())) {
      assertThat(disk.format()).isEqualTo(format);
      assertThat(disk.virtualSize()).isEqualTo(expected.length);
      assertThat(DiskChecks.sha256(disk)).isEqualTo(Digests.sha256Hex(expected));
      assertThat(DiskChecks.sha256(disk, true)).isEqualTo(Digests.sha256Hex(expected));
      DiskChecks.checkExtents(disk);
      // 2 MiB clusters/blocks allocate most of this small disk; finer formats much less.
      boolean coarse = name.contains("2m") || name.contains("vhd-dynamic");
      assertThat(disk.allocatedBytes())
          .as("the extent map skips the zeroes")
          .isLessThan(coarse ? disk.virtualSize() : disk.virtualSize() / 2);
      checkDetails(name, disk.details());
      readConcurrently(disk, expected);
    }
  }

  private static void checkDetails(String name, Map<String, Object> details) {
    if (name.startsWith("qcow2")) {
      assertThat(details.get("version")).isEqualTo(name.contains("v2") ? 2 : 3);
      assertThat(details.get("compressionType"))
          .isEqualTo(name.contains("zstd") ? "zstd" : "deflate");
      int expectedCluster =
          name.endsWith("-512")
              ? 512
              : name.endsWith("-2m") ? 2 << 20 : name.endsWith("-4k") ? 4096 : 65536;
      assertThat(details.get("clusterSize")).isEqualTo(expectedCluster);
      if (name.contains("deflate") || name.contains("zstd")) {
        assertThat((Long) details.get("compressedClusters")).isPositive();
      }
    } else if (name.startsWith("vmdk")) {
      assertThat(details.get("subformat"))
          .isEqualTo(name.contains("stream") ? "streamOptimized" : "monolithicSparse");
      assertThat(details.get("grainSize")).isEqualTo(65536);
    } else if (name.startsWith("vhd")) {
      assertThat(details.get("vhdType")).isEqualTo(name.contains("fixed") ? "fixed" : "dynamic");
      assertThat(details.get("sizeSource"))
          .isEqualTo(name.contains("force") ? "currentSize" : "geometry");
    }
  }

  // Four threads read random unaligned ranges at once; each must see exactly qemu's bytes.
  private static void readConcurrently(DiskImage disk, byte[] expected) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        int seed = t;
        futures.add(
            pool.submit(
                () -> {
                  Random random = new Random(seed);
                  for (int i = 0; i < 60; i++) {
                    int at = random.nextInt(expected.length);
                    int len = Math.min(expected.length - at, 1 + random.nextInt(300_000));
                    ByteBuffer buf = ByteBuffer.allocate(len);
                    while (buf.hasRemaining()) {
                      disk.read(at + buf.position(), buf);
                    }
                    assertThat(Arrays.equals(buf.array(), 0, len, expected, at, at + len))
                        .as("bytes %d+%d", at, len)
                        .isTrue();
                  }
                  return null;
                }));
      }
      for (Future<?> f : futures) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void readsQcow2ZeroClusters() throws Exception {
    assumeTrue(QemuImg.available() && QemuImg.ioAvailable(), "qemu-img/qemu-io not installed");
    Path image = dir.resolve("zero-clusters.qcow2");
    QemuImg.run("convert", "-f", "raw", "-O", "qcow2", source.toString(), image.toString());
    // Zero flag on allocated clusters (ZERO_ALLOC) and on unmapped ones (ZERO_PLAIN).
    QemuImg.io("-f", "qcow2", "-c", "write -z 1M 128k", image.toString());
    QemuImg.io("-f", "qcow2", "-c", "write -z -u 3M 256k", image.toString());
    byte[] expected = qemuRaw(image, "qcow2");
    try (DiskImage disk = ImageReaders.open(image, ImageFormat.QCOW2, ReadOptions.defaults())) {
      assertThat(DiskChecks.sha256(disk)).isEqualTo(Digests.sha256Hex(expected));
      DiskChecks.checkExtents(disk);
      assertThat(disk.extents())
          .anySatisfy(
              e -> {
                assertThat(e.data()).isFalse();
                assertThat(e.offset()).isLessThanOrEqualTo(1024 * 1024);
                assertThat(e.end()).isGreaterThanOrEqualTo(1024 * 1024 + 128 * 1024);
              });
    }
  }

  @Test
  void readsMonolithicFlatOnlyWhenAllowed() throws Exception {
    assumeTrue(QemuImg.available(), "qemu-img is not installed");
    Path image = dir.resolve("flat.vmdk");
    QemuImg.run(
        "convert",
        "-f",
        "raw",
        "-O",
        "vmdk",
        "-o",
        "subformat=monolithicFlat",
        source.toString(),
        image.toString());
    byte[] expected = qemuRaw(image, "vmdk");
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> ImageReaders.open(image, null, ReadOptions.defaults()))
        .isInstanceOf(ImageFormatException.class)
        .hasMessageContaining("flat.vmdk")
        .hasMessageContaining("allow flat extents");
    try (DiskImage disk =
        ImageReaders.open(image, null, ReadOptions.defaults().withAllowFlatExtents(true))) {
      assertThat(disk.details().get("subformat")).isEqualTo("monolithicFlat");
      assertThat(DiskChecks.sha256(disk)).isEqualTo(Digests.sha256Hex(expected));
      DiskChecks.checkExtents(disk);
    }
  }

  private static byte[] qemuRaw(Path image, String qemuFormat) throws Exception {
    Path raw = Files.createTempFile(dir, "qemu-", ".raw");
    QemuImg.run("convert", "-f", qemuFormat, "-O", "raw", image.toString(), raw.toString());
    byte[] bytes = Files.readAllBytes(raw);
    Files.delete(raw);
    return bytes;
  }
}
