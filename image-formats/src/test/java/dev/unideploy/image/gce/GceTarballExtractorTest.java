package dev.unideploy.image.gce;

import static dev.unideploy.image.readtest.BadInput.assertTarballRejected;
import static dev.unideploy.image.readtest.CraftedTarballs.header;
import static dev.unideploy.image.readtest.CraftedTarballs.tar;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.unideploy.image.DiskImage;
import dev.unideploy.image.Extent;
import dev.unideploy.image.ImageFormat;
import dev.unideploy.image.ImageFormatException;
import dev.unideploy.image.ReadOptions;
import dev.unideploy.image.TargetFormat;
import dev.unideploy.image.formats.ImageReaders;
import dev.unideploy.image.formats.ImageWriters;
import dev.unideploy.image.readtest.CraftedImages;
import dev.unideploy.image.readtest.CraftedImages.Crafted;
import dev.unideploy.image.readtest.CraftedTarballs;
import dev.unideploy.image.testing.MemoryDiskImage;
import dev.unideploy.image.write.WriteOptions;
import dev.unideploy.image.write.WriteProgress;
import java.io.InterruptedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The GCE tarball extractor on crafted tarballs and on the writer's own, and its bad inputs. */
class GceTarballExtractorTest {
  private static final GceTarballExtractor.Limits DEFAULTS = GceTarballExtractor.Limits.defaults();
  private static final long MIB = 1 << 20;

  @TempDir Path dir;

  @Test
  void extractsASparseEntryAsASparseFileWithProgress() throws Exception {
    Crafted c = CraftedTarballs.sparse();
    Path tarball = dir.resolve("sparse.tar.gz");
    Files.write(tarball, c.file());
    Path out = dir.resolve("disk.raw");
    List<long[]> progress = new ArrayList<>();
    GceTarballExtractor.extractDiskRaw(
        tarball, out, DEFAULTS, (done, total) -> progress.add(new long[] {done, total}));
    assertThat(Files.readAllBytes(out)).isEqualTo(c.disk());
    assertThat(progress.get(progress.size() - 1)).containsExactly(3 * MIB, 3 * MIB);
    for (int i = 1; i < progress.size(); i++) {
      assertThat(progress.get(i)[0]).isGreaterThanOrEqualTo(progress.get(i - 1)[0]);
    }
    try (DiskImage image =
        ImageReaders.open(
            out, ImageFormat.RAW, ReadOptions.defaults().withDetectZeroContent(false))) {
      // The holes of the archive stay holes in the file.
      assertThat(image.details()).containsEntry("holeDetection", "seek-data");
      assertThat(image.allocatedBytes()).isLessThan(MIB);
    }
    try (Stream<Path> files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString()))
          .containsExactlyInAnyOrder("sparse.tar.gz", "disk.raw");
    }
  }

  @Test
  void extractsARegularEntry() throws Exception {
    Crafted c = CraftedTarballs.regular();
    Path tarball = dir.resolve("regular.tar.gz");
    Files.write(tarball, c.file());
    Path out = GceTarballExtractor.extractDiskRaw(tarball, dir.resolve("disk.raw"));
    assertThat(Files.readAllBytes(out)).isEqualTo(c.disk());
  }

  @Test
  void readsBackWhatTheWriterWrote() throws Exception {
    byte[] data = CraftedImages.pattern((int) (3 * MIB), 24);
    Arrays.fill(data, (int) MIB, (int) (2 * MIB), (byte) 0);
    MemoryDiskImage source = MemoryDiskImage.scanned(data, 64 * 1024);
    for (boolean sparse : new boolean[] {true, false}) {
      Path tarball = dir.resolve("written-" + sparse + ".tar.gz");
      try (FileChannel ch =
          FileChannel.open(tarball, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
        ImageWriters.writerFor(TargetFormat.GCE_TARBALL)
            .write(source, ch, WriteOptions.defaults().withSparse(sparse), WriteProgress.NONE);
      }
      Path out = GceTarballExtractor.extractDiskRaw(tarball, dir.resolve("disk-" + sparse));
      try (DiskImage image = ImageReaders.open(out)) {
        assertThat(image.virtualSize()).isEqualTo(1L << 30); // padded to a whole GiB
        java.nio.ByteBuffer head = java.nio.ByteBuffer.allocate(data.length);
        while (head.hasRemaining()) {
          image.read(head.position(), head);
        }
        assertThat(head.array()).isEqualTo(data);
        assertThat(image.extents().get(image.extents().size() - 1))
            .isEqualTo(Extent.zero(3 * MIB, (1L << 30) - 3 * MIB));
      }
    }
  }

  @Test
  void aFailedExtractionLeavesAnExistingOutputUntouched() throws Exception {
    Path out = dir.resolve("disk.raw");
    Files.write(out, new byte[] {1, 2, 3});
    byte[] bytes = CraftedTarballs.sparse().file();
    Path tarball = dir.resolve("cut.tar.gz");
    Files.write(tarball, Arrays.copyOf(bytes, bytes.length - 9));
    assertThatThrownBy(() -> GceTarballExtractor.extractDiskRaw(tarball, out))
        .isInstanceOf(ImageFormatException.class);
    assertThat(Files.readAllBytes(out)).containsExactly(1, 2, 3);
    try (Stream<Path> files = Files.list(dir)) {
      assertThat(files).hasSize(2);
    }
  }

  @Test
  void anInterruptStopsTheExtractionAndLeavesNothing() throws Exception {
    Path tarball = dir.resolve("regular.tar.gz");
    Files.write(tarball, CraftedTarballs.regular().file());
    Path out = dir.resolve("disk.raw");
    Thread.currentThread().interrupt();
    try {
      assertThatThrownBy(() -> GceTarballExtractor.extractDiskRaw(tarball, out))
          .isInstanceOf(InterruptedIOException.class);
    } finally {
      Thread.interrupted();
    }
    try (Stream<Path> files = Files.list(dir)) {
      assertThat(files).containsExactly(tarball);
    }
  }

  static Stream<Arguments> corpus() {
    byte[] sparse = CraftedTarballs.sparse().file();
    byte[] a = CraftedImages.pattern(4096, 21);
    byte[] b = CraftedImages.pattern(8192, 22);
    long s = CraftedTarballs.SPARSE_SIZE;
    long[] good = {0, 4096, 2 * MIB, 8192, s, 0};
    return Stream.of(
        bad("empty", new byte[0]),
        bad("not-gzip", "disk.raw".getBytes(java.nio.charset.StandardCharsets.US_ASCII)),
        bad("no-disk-raw", gz(header("other.raw", '0', 4096, null, 0, ""), a)),
        bad("symlink", gz(header("disk.raw", '2', 0, null, 0, "/etc/shadow"))),
        bad("hard-link", gz(header("disk.raw", '1', 0, null, 0, "/etc/shadow"))),
        bad("char-device", gz(header("disk.raw", '3', 0, null, 0, ""))),
        bad("block-device", gz(header("disk.raw", '4', 0, null, 0, ""))),
        bad("fifo", gz(header("disk.raw", '6', 0, null, 0, ""))),
        bad("directory", gz(header("disk.raw", '5', 0, null, 0, ""))),
        bad("unknown-type", gz(header("disk.raw", 'X', 4096, null, 0, ""), a)),
        bad(
            "sparse-map-out-of-order",
            gz(header("disk.raw", 'S', 12288, new long[] {2 * MIB, 8192, 0, 4096}, s, ""), b, a)),
        bad(
            "sparse-map-overlapping",
            gz(header("disk.raw", 'S', 12288, new long[] {0, 8192, 4096, 4096}, s, ""), b, a)),
        bad(
            "sparse-map-past-real-size",
            gz(header("disk.raw", 'S', 12288, new long[] {0, 4096, s, 8192}, s, ""), a, b)),
        bad("sparse-map-more-than-stored", gz(header("disk.raw", 'S', 4096, good, s, ""), a, b)),
        bad(
            "sparse-map-less-than-stored",
            gz(header("disk.raw", 'S', 16384, good, s, ""), a, b, new byte[4096])),
        bad("real-size-2^50", gz(header("disk.raw", 'S', 12288, good, 1L << 50, ""), a, b)),
        bad("regular-size-over-the-file", gz(header("disk.raw", '0', 1L << 33, null, 0, ""), a)),
        bad(
            "regular-data-missing",
            CraftedTarballs.gzip(cutTar(header("disk.raw", '0', 65536, null, 0, ""), a))),
        bad(
            "sparse-data-missing",
            CraftedTarballs.gzip(cutTar(header("disk.raw", 'S', 12288, good, s, ""), a))),
        bad("sparse-type-under-posix-magic", gz(sparseTypeUnderPosixMagic(), a)),
        bad("gzip-cut-in-data", Arrays.copyOf(sparse, sparse.length / 2)),
        bad("gzip-trailer-missing", Arrays.copyOf(sparse, sparse.length - 8)),
        bad("gzip-crc-wrong", crcFlipped(sparse)),
        bad("bad-header-checksum", gz(badChecksum(header("disk.raw", '0', 4096, null, 0, "")), a)));
  }

  /**
   * A GNU sparse type ('S') under the POSIX magic: Commons Compress reads sparse headers only from
   * old-GNU headers, so the entry is sparse with no map at all (found by fuzzing).
   */
  private static byte[] sparseTypeUnderPosixMagic() {
    byte[] h = header("disk.raw", 'S', 4096, null, 0, "");
    byte[] magic = "ustar\u000000".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    System.arraycopy(magic, 0, h, 257, magic.length);
    return CraftedTarballs.checksum(h);
  }

  private static Arguments bad(String name, byte[] bytes) {
    return Arguments.of(name, bytes);
  }

  private static byte[] gz(byte[] header, byte[]... data) {
    return CraftedTarballs.gzip(tar(header, data));
  }

  /** A tar that ends (cleanly, no end blocks) right after {@code data}: the rest never came. */
  private static byte[] cutTar(byte[] header, byte[] data) {
    byte[] t = Arrays.copyOf(header, header.length + data.length);
    System.arraycopy(data, 0, t, header.length, data.length);
    return t;
  }

  private static byte[] crcFlipped(byte[] gz) {
    byte[] b = gz.clone();
    b[b.length - 8] ^= 0x55;
    return b;
  }

  private static byte[] badChecksum(byte[] h) {
    h[140] ^= 1; // a digit of the mtime changes; the checksum is not recomputed
    return h;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("corpus")
  void rejectsBadTarballsClearly(String name, byte[] bytes) throws Exception {
    assertTarballRejected(dir, name + ".tar.gz", bytes, DEFAULTS);
  }

  @Test
  void boundsMetadataAroundDiskRaw() throws Exception {
    byte[] a = CraftedImages.pattern(4096, 21);
    // 64 other entries of 16 KiB before disk.raw: 1 MiB of tar the extractor must read.
    java.io.ByteArrayOutputStream t = new java.io.ByteArrayOutputStream();
    for (int i = 0; i < 64; i++) {
      t.writeBytes(header("pad" + i, '0', 16384, null, 0, ""));
      t.writeBytes(new byte[16384]);
    }
    t.writeBytes(tar(header("disk.raw", '0', 4096, null, 0, ""), a));
    byte[] bytes = CraftedTarballs.gzip(t.toByteArray());
    assertTarballRejected(
        dir, "padded.tar.gz", bytes, new GceTarballExtractor.Limits(1L << 40, 512 * 1024));
    Path tarball = dir.resolve("padded-ok.tar.gz");
    Files.write(tarball, bytes);
    Path out = GceTarballExtractor.extractDiskRaw(tarball, dir.resolve("disk.raw"));
    assertThat(Files.readAllBytes(out)).isEqualTo(a);
  }

  @Test
  void messagesSayWhatToDo() throws Exception {
    Path tarball = dir.resolve("link.tar.gz");
    Files.write(tarball, gz(header("disk.raw", '2', 0, null, 0, "/etc/shadow")));
    assertThatThrownBy(() -> GceTarballExtractor.extractDiskRaw(tarball, dir.resolve("d.raw")))
        .isInstanceOf(ImageFormatException.class)
        .hasMessage(
            tarball
                + ": tar entry disk.raw at byte offset 512: disk.raw is a symbolic link, not a"
                + " regular file: Compute Engine needs the disk's bytes in the archive; re-create"
                + " the tarball with `unideploy convert --to gce-tar` or `tar --format=oldgnu"
                + " -Sczf OUT.tar.gz disk.raw`");
    byte[] sparse = CraftedTarballs.sparse().file();
    Path cut = dir.resolve("cut.tar.gz");
    Files.write(cut, Arrays.copyOf(sparse, sparse.length - 8));
    assertThatThrownBy(() -> GceTarballExtractor.extractDiskRaw(cut, dir.resolve("d.raw")))
        .isInstanceOf(ImageFormatException.class)
        .hasMessageContaining("truncated");
  }
}
