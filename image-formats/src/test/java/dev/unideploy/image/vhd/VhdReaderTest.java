package dev.unideploy.image.vhd;

import static dev.unideploy.image.readtest.BadInput.assertRejected;
import static dev.unideploy.image.readtest.BadInput.be;
import static org.assertj.core.api.Assertions.assertThat;

import dev.unideploy.image.DiskImage;
import dev.unideploy.image.Extent;
import dev.unideploy.image.ImageFormat;
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
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The VHD reader on crafted fixed and dynamic disks, and its bad-input corpus. */
class VhdReaderTest {
  private static final byte[] DYNAMIC = CraftedImages.vhdDynamic().file();
  private static final byte[] FIXED = CraftedImages.vhdFixed().file();
  private static final int FOOTER = DYNAMIC.length - 512;

  @TempDir Path dir;

  @Test
  void readsDynamicWithSectorBitmaps() throws Exception {
    Crafted c = CraftedImages.vhdDynamic();
    Path file = dir.resolve("dynamic.vhd");
    Files.write(file, c.file());
    try (DiskImage image = ImageReaders.open(file)) {
      assertThat(image.format()).isEqualTo(ImageFormat.VHD);
      assertThat(image.virtualSize()).isEqualTo(16 * 1024);
      assertThat(DiskChecks.readAll(image)).isEqualTo(c.disk());
      assertThat(image.extents())
          .containsExactly(
              Extent.data(0, 4096),
              Extent.zero(4096, 4096),
              Extent.data(8192, 512),
              Extent.zero(8704, 512),
              Extent.data(9216, 512),
              Extent.zero(9728, 16 * 1024 - 9728));
      assertThat(image.details())
          .containsEntry("vhdType", "dynamic")
          .containsEntry("blockSize", 4096)
          .containsEntry("creatorApp", "qem2");
      // Unaligned reads across present and absent sectors of the partial block.
      ByteBuffer buf = ByteBuffer.allocate(1500);
      image.read(8192 + 100, buf);
      assertThat(buf.array()).isEqualTo(Arrays.copyOfRange(c.disk(), 8292, 8292 + 1500));
    }
  }

  @Test
  void readsFixed() throws Exception {
    Crafted c = CraftedImages.vhdFixed();
    Path file = dir.resolve("fixed.vhd");
    Files.write(file, c.file());
    try (DiskImage image =
        ImageReaders.open(file, null, ReadOptions.defaults().withZeroGranularity(4096))) {
      assertThat(image.format()).isEqualTo(ImageFormat.VHD);
      assertThat(DiskChecks.readAll(image)).isEqualTo(c.disk());
      assertThat(image.details()).containsEntry("vhdType", "fixed");
      assertThat(image.extents())
          .containsExactly(Extent.data(0, 4096), Extent.zero(4096, 4096), Extent.data(8192, 8192));
      DiskChecks.checkExtents(image);
    }
  }

  @Test
  void everyTruncationFails() throws Exception {
    for (byte[] base : new byte[][] {DYNAMIC, FIXED}) {
      for (int cut = 0; cut < base.length; cut += 256) {
        assertRejected(
            dir, "cut-" + base.length + "-" + cut, BadInput.truncate(base, cut), ImageFormat.VHD);
      }
      assertRejected(
          dir,
          "cut-last-" + base.length,
          BadInput.truncate(base, base.length - 1),
          ImageFormat.VHD);
    }
  }

  static Stream<Arguments> corpus() {
    return Stream.of(
        bad("wrong-cookie", be(DYNAMIC).put(FOOTER, (byte) 'X')),
        bad("footer-checksum", be(DYNAMIC).put(FOOTER + 100, (byte) 1)),
        bad("differencing", footer(f -> f.putInt(60, 4))),
        bad("unknown-type", footer(f -> f.putInt(60, 7))),
        bad("current-size-2^62", footer(f -> f.putLong(48, 1L << 62))),
        bad("size-beyond-bat", footer(f -> f.putLong(48, 1L << 30))),
        bad("header-offset-past-end", footer(f -> f.putLong(16, 1L << 40))),
        bad("header-offset-minus-one", footer(f -> f.putLong(16, -1L))),
        bad("copy-differs", be(DYNAMIC).put(100, (byte) 1)),
        bad("header-cookie", header(h -> h.put(0, (byte) 'X'))),
        bad("header-checksum", be(DYNAMIC).put(512 + 100, (byte) 1)),
        bad("block-size-3000", header(h -> h.putInt(32, 3000))),
        bad("block-size-1GiB", header(h -> h.putInt(32, 1 << 30))),
        bad("bat-2^31-entries", header(h -> h.putInt(28, 0x7fff_ffff))),
        bad("bat-too-small", header(h -> h.putInt(28, 2))),
        bad("bat-past-end", header(h -> h.putLong(16, 1L << 40))),
        bad("block-past-end", be(DYNAMIC).putInt(1536 + 4, 0x0100_0000)),
        bad("block-over-footer", be(DYNAMIC).putInt(1536 + 4, FOOTER / 512 - 2)),
        bad("block-over-header", be(DYNAMIC).putInt(1536 + 4, 0)),
        bad("blocks-shared", be(DYNAMIC).putInt(1536 + 8, 2048 / 512)),
        bad("blocks-overlap", be(DYNAMIC).putInt(1536 + 8, 2048 / 512 + 4)),
        bad("fixed-bigger-than-file", fixedFooter(f -> f.putLong(48, 1L << 20))),
        bad("fixed-checksum", be(FIXED).put(FIXED.length - 400, (byte) 1)));
  }

  private static Arguments bad(String name, ByteBuffer bytes) {
    return Arguments.of(name, bytes.array());
  }

  // Patches both footer copies of the dynamic disk, with valid checksums.
  private static ByteBuffer footer(Consumer<ByteBuffer> patch) {
    ByteBuffer f = ByteBuffer.wrap(Arrays.copyOfRange(DYNAMIC, FOOTER, DYNAMIC.length));
    patch.accept(f);
    f.putInt(64, CraftedImages.vhdChecksum(f.array(), 64));
    return be(DYNAMIC).put(0, f.array()).put(FOOTER, f.array());
  }

  private static ByteBuffer fixedFooter(Consumer<ByteBuffer> patch) {
    int at = FIXED.length - 512;
    ByteBuffer f = ByteBuffer.wrap(Arrays.copyOfRange(FIXED, at, FIXED.length));
    patch.accept(f);
    f.putInt(64, CraftedImages.vhdChecksum(f.array(), 64));
    return be(FIXED).put(at, f.array());
  }

  private static ByteBuffer header(Consumer<ByteBuffer> patch) {
    ByteBuffer h = ByteBuffer.wrap(Arrays.copyOfRange(DYNAMIC, 512, 1536));
    patch.accept(h);
    h.putInt(36, CraftedImages.vhdChecksum(h.array(), 36));
    return be(DYNAMIC).put(512, h.array());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("corpus")
  void rejectsBadInputClearly(String name, byte[] bytes) throws Exception {
    assertRejected(dir, name, bytes, ImageFormat.VHD);
  }
}
