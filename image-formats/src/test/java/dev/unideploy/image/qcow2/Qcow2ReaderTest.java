package dev.unideploy.image.qcow2;

import static dev.unideploy.image.readtest.BadInput.assertRejected;
import static dev.unideploy.image.readtest.BadInput.be;
import static org.assertj.core.api.Assertions.assertThat;

import dev.unideploy.image.DiskImage;
import dev.unideploy.image.Extent;
import dev.unideploy.image.ImageFormat;
import dev.unideploy.image.ImageFormatException;
import dev.unideploy.image.ReadOptions;
import dev.unideploy.image.formats.ImageReaders;
import dev.unideploy.image.readtest.BadInput;
import dev.unideploy.image.readtest.CraftedImages;
import dev.unideploy.image.readtest.CraftedImages.Crafted;
import dev.unideploy.image.readtest.DiskChecks;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The qcow2 reader on crafted images, and its bad-input corpus. */
class Qcow2ReaderTest {
  private static final int CS = CraftedImages.QCOW2_CLUSTER;
  private static final byte[] BASE = CraftedImages.qcow2(3, false).file();

  @TempDir Path dir;

  @ParameterizedTest
  @ValueSource(strings = {"v2", "v3", "v3-zstd"})
  void readsCraftedImagesExactly(String variant) throws Exception {
    Crafted c = CraftedImages.qcow2(variant.equals("v2") ? 2 : 3, variant.endsWith("zstd"));
    Path file = dir.resolve(variant + ".qcow2");
    Files.write(file, c.file());
    try (DiskImage image = ImageReaders.open(file)) {
      assertThat(image.format()).isEqualTo(ImageFormat.QCOW2);
      assertThat(DiskChecks.readAll(image)).isEqualTo(c.disk());
      assertThat(image.extents())
          .containsExactly(
              Extent.data(0, CS),
              Extent.zero(CS, 2L * CS),
              Extent.data(3L * CS, 2L * CS),
              Extent.zero(5L * CS, 64 * 1024 - 5L * CS));
      DiskChecks.checkExtents(image);
      assertThat(image.details())
          .containsEntry("compressedClusters", 1L)
          .containsEntry("compressionType", variant.endsWith("zstd") ? "zstd" : "deflate");
    }
  }

  @Test
  void everyTruncationFails() throws Exception {
    TreeSet<Integer> cuts = new TreeSet<>();
    for (int i = 0; i < BASE.length; i += 512) {
      cuts.add(i);
    }
    for (int boundary : new int[] {72, 104, 112, CS, 2 * CS, 3 * CS, 4 * CS, 5 * CS}) {
      cuts.add(boundary - 1);
      cuts.add(boundary + 1);
    }
    cuts.add(BASE.length - 1);
    for (int cut : cuts) {
      assertRejected(dir, "cut-" + cut, BadInput.truncate(BASE, cut), ImageFormat.QCOW2);
    }
  }

  static Stream<Arguments> corpus() {
    long l2 = 2L * CS;
    return Stream.of(
        bad("wrong-magic", be(BASE).putInt(0, 0x514649fc)),
        bad("version-1", be(BASE).putInt(4, 1)),
        bad("version-4", be(BASE).putInt(4, 4)),
        bad("cluster-bits-8", be(BASE).putInt(20, 8)),
        bad("cluster-bits-22", be(BASE).putInt(20, 22)),
        bad("virtual-size-2^62", be(BASE).putLong(24, 1L << 62)),
        bad("virtual-size-negative", be(BASE).putLong(24, -512)),
        bad("l1-2^31-entries", be(BASE).putInt(36, 0x8000_0000)),
        bad("l1-2^30-entries", be(BASE).putInt(36, 1 << 30).putLong(24, 1L << 49)),
        bad("l1-too-small", be(BASE).putInt(36, 0)),
        bad("l1-past-end", be(BASE).putLong(40, 1L << 40)),
        bad("l1-unaligned", be(BASE).putLong(40, CS + 8)),
        bad("l2-past-end", be(BASE).putLong(CS, 1L << 40)),
        bad("l2-unaligned", be(BASE).putLong(CS, 2L * CS + 512)),
        bad("l2-loops-onto-l1", be(BASE).putLong(CS, CS)),
        bad(
            "l2-shared-by-two-l1-entries",
            be(BASE).putLong(24, 4L << 20).putInt(36, 2).putLong(CS + 8, 2L * CS)),
        bad("data-past-end", be(BASE).putLong((int) l2, (1L << 63) | (1L << 40))),
        bad("data-cluster-aliased", alias(be(BASE), (int) l2, 16, (1L << 63) | 3L * CS)),
        bad("data-unaligned", be(BASE).putLong((int) l2, 3L * CS + 512)),
        bad("compressed-past-end", be(BASE).putLong((int) l2 + 24, (1L << 62) | (1L << 40))),
        bad("compressed-garbage", garbage(be(BASE), 4 * CS + 100, 64)),
        bad(
            "compressed-aliased-with-entry-3",
            be(BASE).putLong((int) l2 + 8, be(BASE).getLong((int) l2 + 24))),
        bad(
            "compressed-length-over-file",
            be(BASE).putLong((int) l2 + 24, (1L << 62) | (15L << 58) | (5L * CS + 4000))),
        bad("unknown-incompatible-bit", be(BASE).putLong(72, 1L << 20)),
        bad("corrupt-bit", be(BASE).putLong(72, 1L << 1)),
        bad("external-data-file", be(BASE).putLong(72, 1L << 2)),
        bad("extended-l2", be(BASE).putLong(72, 1L << 4)),
        bad("compression-type-2", be(BASE).putLong(72, 1L << 3).put(104, (byte) 2)),
        bad("zstd-without-feature-bit", be(BASE).put(104, (byte) 1)),
        bad("encrypted", be(BASE).putInt(32, 1)),
        bad("backing-file", be(BASE).putLong(8, 200).putInt(16, 10)),
        bad("header-length-short", be(BASE).putInt(100, 72)),
        bad("refcount-order-7", be(BASE).putInt(96, 7)));
  }

  private static Arguments bad(String name, ByteBuffer bytes) {
    return Arguments.of(name, bytes.array());
  }

  private static ByteBuffer alias(ByteBuffer b, int table, int entries, long entry) {
    for (int i = 0; i < entries; i++) {
      b.putLong(table + 8 * i, entry);
    }
    return b;
  }

  private static ByteBuffer garbage(ByteBuffer b, int at, int n) {
    for (int i = 0; i < n; i++) {
      b.put(at + i, (byte) (0xA5 ^ i * 37));
    }
    return b;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("corpus")
  void rejectsBadInputClearly(String name, byte[] bytes) throws Exception {
    assertRejected(dir, name, bytes, ImageFormat.QCOW2);
  }

  @Test
  void messagesSayWhatToDo() throws Exception {
    Path file = dir.resolve("backed.qcow2");
    Files.write(file, be(BASE).putLong(8, 200).putInt(16, 10).array());
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> ImageReaders.open(file))
        .isInstanceOf(ImageFormatException.class)
        .hasMessage(
            file
                + ": qcow2 header at byte offset 8: not a supported qcow2: backing files are not"
                + " supported; flatten it with `qemu-img convert -O qcow2 IN OUT`");
  }

  @Test
  void aSmallFileCannotStandForAHugeDiskOfCompressedData() throws Exception {
    // Every L2 entry of a 512 GiB disk (2 MiB clusters) points at one 2 KiB deflate stream.
    byte[] file = CraftedImages.qcow2Compressed(21, 1 << 18, true).file();
    assertThat(file.length).isLessThan(7 << 20);
    assertRejected(dir, "compressed-512GiB-from-one-stream.qcow2", file, ImageFormat.QCOW2);
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> ImageReaders.open(dir.resolve("compressed-512GiB-from-one-stream.qcow2")))
        .hasMessageContaining("L2 entries share compressed data")
        .hasMessageContaining("qemu-img check");
  }

  @Test
  void compressedClustersAreStoredOnce() throws Exception {
    Crafted genuine = CraftedImages.qcow2Compressed(12, 8, false);
    Path ok = dir.resolve("compressed.qcow2");
    Files.write(ok, genuine.file());
    try (DiskImage image = ImageReaders.open(ok)) {
      assertThat(DiskChecks.readAll(image)).isEqualTo(genuine.disk());
      assertThat(image.details()).containsEntry("compressedClusters", 8L);
    }
    byte[] aliased = CraftedImages.qcow2Compressed(12, 8, true).file();
    assertRejected(dir, "compressed-aliased.qcow2", aliased, ImageFormat.QCOW2);
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> ImageReaders.open(dir.resolve("compressed-aliased.qcow2")))
        .hasMessageContaining("two L2 entries point at the compressed cluster at offset 12288");
  }

  @Test
  void compressionRatioIsBoundedAndTheLimitCanBeRaised() throws Exception {
    // 64 clusters of 64 KiB, each one repeated byte: 4 MiB of data in a ~200 KiB file.
    Crafted c = CraftedImages.qcow2Compressed(16, 64, false);
    Path file = dir.resolve("repetitive.qcow2");
    Files.write(file, c.file());
    long ratio = (64L << 16) / c.file().length;
    assertThat(ratio).isBetween(10L, 30L);
    ReadOptions strict = ReadOptions.defaults().withMaxCompressionRatio(10);
    assertRejected(dir, "repetitive-strict.qcow2", c.file(), ImageFormat.QCOW2, strict);
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> ImageReaders.open(file, ImageFormat.QCOW2, strict))
        .hasMessageContaining("more than 10 times the file")
        .hasMessageContaining("raise ReadOptions.maxCompressionRatio");
    try (DiskImage image =
        ImageReaders.open(
            file, ImageFormat.QCOW2, ReadOptions.defaults().withMaxCompressionRatio(30))) {
      assertThat(DiskChecks.readAll(image)).startsWith(c.disk());
    }
  }

  @Test
  void baseIsValid() throws Exception {
    Path file = dir.resolve("base.qcow2");
    Files.write(file, BASE);
    assertThat(BadInput.openAndRead(file, ImageFormat.QCOW2, ReadOptions.defaults()))
        .isEqualTo(3L * CS);
    assertThat(Arrays.equals(BASE, CraftedImages.qcow2(3, false).file())).isTrue();
  }
}
