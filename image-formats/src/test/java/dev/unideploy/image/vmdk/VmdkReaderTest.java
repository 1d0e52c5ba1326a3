package dev.unideploy.image.vmdk;

import static dev.unideploy.image.readtest.BadInput.assertRejected;
import static dev.unideploy.image.readtest.BadInput.le;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The VMDK reader on crafted sparse, stream and flat disks, and its bad-input corpus. */
class VmdkReaderTest {
  private static final byte[] SPARSE = CraftedImages.vmdkSparse().file();
  private static final byte[] STREAM = CraftedImages.vmdkStream().file();
  private static final int END = STREAM.length;
  private static final ReadOptions ALLOW_FLAT = ReadOptions.defaults().withAllowFlatExtents(true);

  @TempDir Path dir;

  @ParameterizedTest
  @ValueSource(strings = {"sparse", "stream"})
  void readsCraftedImagesExactly(String variant) throws Exception {
    Crafted c = variant.equals("sparse") ? CraftedImages.vmdkSparse() : CraftedImages.vmdkStream();
    Path file = dir.resolve(variant + ".vmdk");
    Files.write(file, c.file());
    try (DiskImage image = ImageReaders.open(file)) {
      assertThat(image.format()).isEqualTo(ImageFormat.VMDK);
      assertThat(image.virtualSize()).isEqualTo(32 * 1024);
      assertThat(DiskChecks.readAll(image)).isEqualTo(c.disk());
      DiskChecks.checkExtents(image);
      if (variant.equals("sparse")) {
        assertThat(image.extents())
            .containsExactly(
                Extent.data(0, 4096),
                Extent.zero(4096, 8192),
                Extent.data(12288, 4096),
                Extent.zero(16384, 16384));
        assertThat(image.details()).containsEntry("subformat", "monolithicSparse");
      } else {
        assertThat(image.extents())
            .containsExactly(
                Extent.zero(0, 4096),
                Extent.data(4096, 4096),
                Extent.zero(8192, 12288),
                Extent.data(20480, 4096),
                Extent.zero(24576, 8192));
        assertThat(image.details())
            .containsEntry("subformat", "streamOptimized")
            .containsEntry("gdFromFooter", true);
      }
    }
  }

  @Test
  void everyTruncationFails() throws Exception {
    for (byte[] base : new byte[][] {SPARSE, STREAM}) {
      for (int cut = 0; cut < base.length; cut += 256) {
        assertRejected(
            dir, "cut-" + base.length + "-" + cut, BadInput.truncate(base, cut), ImageFormat.VMDK);
      }
      assertRejected(
          dir,
          "cut-last-" + base.length,
          BadInput.truncate(base, base.length - 1),
          ImageFormat.VMDK);
    }
  }

  static Stream<Arguments> corpus() {
    int footer = END - 1024;
    return Stream.of(
        bad("wrong-magic", le(SPARSE).putInt(0, 0x12345678)),
        bad("version-4", le(SPARSE).putInt(4, 4)),
        bad("grain-0", le(SPARSE).putLong(20, 0)),
        bad("grain-3-sectors", le(SPARSE).putLong(20, 3)),
        bad("grain-2^40", le(SPARSE).putLong(20, 1L << 40)),
        bad("gtes-0", le(SPARSE).putInt(44, 0)),
        bad("gtes-100000", le(SPARSE).putInt(44, 100_000)),
        bad("capacity-2^62-bytes", le(SPARSE).putLong(12, 1L << 53)),
        bad("gd-over-limit", le(SPARSE).putLong(12, 1L << 41).putLong(20, 1).putInt(44, 1)),
        bad("newline-mangled", le(SPARSE).put(75, (byte) 'x')),
        bad("gd-past-end", le(SPARSE).putLong(56, 1L << 30)),
        bad("gd-zero", le(SPARSE).putLong(56, 0)),
        bad("gt-past-end", le(SPARSE).putInt(1536, 1 << 28)),
        bad("gt-shared", le(SPARSE).putLong(12, 8192).putInt(1540, 4)),
        bad("gt-overlapping", le(SPARSE).putLong(12, 8192).putInt(1540, 5)),
        bad(
            "grains-aliased",
            le(SPARSE)
                .putInt(2048, 8)
                .putInt(2052, 8)
                .putInt(2056, 8)
                .putInt(2060, 8)
                .putInt(2064, 8)),
        bad("grain-past-end", le(SPARSE).putInt(2048, 1 << 20)),
        bad("descriptor-huge", le(SPARSE).putLong(36, 1L << 40)),
        bad("descriptor-past-end", le(SPARSE).putLong(28, 1L << 40)),
        bad(
            "descriptor-two-extents",
            withDescriptor("monolithicSparse", "RW 32 SPARSE \"a.vmdk\"\nRW 32 SPARSE \"b.vmdk\"")),
        bad(
            "descriptor-parent",
            withDescriptor(
                "monolithicSparse", "RW 64 SPARSE \"a.vmdk\"\nparentFileNameHint=\"base.vmdk\"")),
        bad("compressed-without-markers", le(SPARSE).putInt(8, 0x10001).putShort(77, (short) 1)),
        bad("compression-algorithm-2", le(STREAM).putShort(77, (short) 2)),
        bad("footer-marker-missing", le(STREAM).putInt(END - 1536 + 12, 5)),
        bad("eos-missing", le(STREAM).putInt(END - 512 + 12, 1)),
        bad("footer-gd-at-end", le(STREAM).putLong(footer + 56, -1L)),
        bad("footer-magic", le(STREAM).putInt(footer, 0)),
        bad("grain-length-over-limit", le(STREAM).putInt(1024 + 8, 1 << 30)),
        bad("grain-length-zero", le(STREAM).putInt(1024 + 8, 0)),
        bad("grain-lba-mismatch", le(STREAM).putLong(1024, 16)),
        bad("grain-lba-past-disk", le(STREAM).putLong(1024, 1L << 40)),
        bad("grain-zlib-garbage", garbage(le(STREAM), 1024 + 12, 40)));
  }

  private static ByteBuffer withDescriptor(String createType, String extents) {
    byte[] d = CraftedImages.descriptor(createType, extents);
    ByteBuffer b = le(SPARSE);
    for (int i = 512; i < 1536; i++) {
      b.put(i, (byte) 0);
    }
    return b.put(512, d);
  }

  private static ByteBuffer garbage(ByteBuffer b, int at, int n) {
    for (int i = 0; i < n; i++) {
      b.put(at + i, (byte) (0x5A ^ i * 31));
    }
    return b;
  }

  private static Arguments bad(String name, ByteBuffer bytes) {
    return Arguments.of(name, bytes.array());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("corpus")
  void rejectsBadInputClearly(String name, byte[] bytes) throws Exception {
    assertRejected(dir, name, bytes, ImageFormat.VMDK);
  }

  // ------------------------------------------------------------------ monolithicFlat

  private Path flatDescriptor(String fileName, String extentLines) throws Exception {
    Path descriptor = dir.resolve("disk.vmdk");
    byte[] text =
        CraftedImages.descriptor(
            "monolithicFlat", extentLines.replace("FILE", "\"" + fileName + "\""));
    Files.write(descriptor, text);
    return descriptor;
  }

  @Test
  void readsFlatExtentInTheSameFolderOnlyWhenAllowed() throws Exception {
    byte[] data = CraftedImages.pattern(8192, 20);
    Files.write(dir.resolve("disk-flat.vmdk"), data);
    Path descriptor = flatDescriptor("disk-flat.vmdk", "RW 16 FLAT FILE 0");
    assertThatThrownBy(() -> ImageReaders.open(descriptor))
        .isInstanceOf(ImageFormatException.class)
        .hasMessageContaining(descriptor.toString())
        .hasMessageContaining("disk-flat.vmdk")
        .hasMessageContaining("allow flat extents explicitly");
    try (DiskImage image = ImageReaders.open(descriptor, null, ALLOW_FLAT)) {
      assertThat(image.format()).isEqualTo(ImageFormat.VMDK);
      assertThat(DiskChecks.readAll(image)).isEqualTo(data);
      assertThat(image.details()).containsEntry("subformat", "monolithicFlat");
    }
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"../outside-flat.vmdk", "/etc/passwd", "sub/disk-flat.vmdk", "..", "C:x.vmdk"})
  void refusesExtentsOutsideTheFolder(String name) throws Exception {
    Path sub = Files.createDirectories(dir.resolve("sub"));
    Files.write(sub.resolve("disk-flat.vmdk"), new byte[8192]);
    Files.write(dir.getParent().resolve("outside-flat.vmdk"), new byte[8192]);
    try {
      Path descriptor = flatDescriptor(name, "RW 16 FLAT FILE 0");
      assertRejected(
          dir, "disk.vmdk", Files.readAllBytes(descriptor), ImageFormat.VMDK, ALLOW_FLAT);
    } finally {
      Files.deleteIfExists(dir.getParent().resolve("outside-flat.vmdk"));
    }
  }

  @Test
  void refusesASymlinkThatLeavesTheFolder() throws Exception {
    Path outside = Files.createTempFile("unideploy-outside", ".raw");
    try {
      Files.write(outside, new byte[8192]);
      Files.createSymbolicLink(dir.resolve("link-flat.vmdk"), outside);
      Path descriptor = flatDescriptor("link-flat.vmdk", "RW 16 FLAT FILE 0");
      assertRejected(
          dir, "disk.vmdk", Files.readAllBytes(descriptor), ImageFormat.VMDK, ALLOW_FLAT);
    } finally {
      Files.deleteIfExists(outside);
    }
  }

  @Test
  void refusesBadFlatDescriptors() throws Exception {
    Files.write(dir.resolve("disk-flat.vmdk"), new byte[8192]);
    String[][] cases = {
      {"missing-flat.vmdk", "RW 16 FLAT FILE 0"},
      {"disk-flat.vmdk", "RW 32 FLAT FILE 0"}, // larger than the file
      {"disk-flat.vmdk", "RW 16 FLAT FILE 1"}, // offset pushes it past the end
      {"disk-flat.vmdk", "RW 8 FLAT FILE 0\nRW 8 FLAT FILE 8"},
      {"disk-flat.vmdk", "RW 16 SPARSE FILE"},
      {"disk-flat.vmdk", "RW 16 FLAT FILE 0\nparentFileNameHint=\"base.vmdk\""},
      {"disk-flat.vmdk", "RW sixteen FLAT FILE 0"},
    };
    for (String[] c : cases) {
      Path descriptor = flatDescriptor(c[0], c[1]);
      byte[] text = Files.readAllBytes(descriptor);
      assertRejected(dir, "disk.vmdk", text, ImageFormat.VMDK, ALLOW_FLAT);
    }
    Files.write(dir.resolve("huge.vmdk"), new byte[2 * 1024 * 1024]);
    byte[] huge = Files.readAllBytes(dir.resolve("huge.vmdk"));
    System.arraycopy("# Disk DescriptorFile\n".getBytes(StandardCharsets.US_ASCII), 0, huge, 0, 22);
    assertRejected(dir, "huge.vmdk", huge, ImageFormat.VMDK, ALLOW_FLAT);
  }

  @Test
  void refusesSplitDeviceAndDatastoreDescriptorsClearly() throws Exception {
    Files.write(dir.resolve("disk-flat.vmdk"), new byte[8192]);
    String[][] cases = {
      {
        "twoGbMaxExtentFlat", "RW 16 FLAT \"disk-flat.vmdk\" 0", "createType \"twoGbMaxExtentFlat\""
      },
      {
        "twoGbMaxExtentSparse",
        "RW 16 SPARSE \"disk-flat.vmdk\"",
        "createType \"twoGbMaxExtentSparse\""
      },
      {"vmfs", "RW 16 VMFS \"disk-flat.vmdk\"", "createType \"vmfs\""},
      {"vmfsRDM", "RW 16 VMFSRDM \"disk-flat.vmdk\"", "createType \"vmfsRDM\""},
      {"fullDevice", "RW 16 FLAT \"disk-flat.vmdk\" 0", "createType \"fullDevice\""},
      {"", "RW 16 FLAT \"disk-flat.vmdk\" 0", "createType \"\""},
      {"monolithicFlat", "RW 16 VMFS \"disk-flat.vmdk\" 0", "a RW VMFS extent"},
      {"monolithicFlat", "NOACCESS 16 FLAT \"disk-flat.vmdk\" 0", "a NOACCESS FLAT extent"},
    };
    for (String[] c : cases) {
      Path descriptor = dir.resolve("disk.vmdk");
      Files.write(descriptor, CraftedImages.descriptor(c[0], c[1]));
      byte[] text = Files.readAllBytes(descriptor);
      assertRejected(dir, "disk.vmdk", text, ImageFormat.VMDK, ALLOW_FLAT);
      assertThatThrownBy(() -> ImageReaders.open(descriptor, ImageFormat.VMDK, ALLOW_FLAT))
          .as(c[0] + ": " + c[1])
          .hasMessageContaining(c[2])
          .hasMessageContaining("qemu-img convert");
    }
  }

  @Test
  void aLinkToAFileInTheSameFolderIsRead() throws Exception {
    byte[] data = CraftedImages.pattern(8192, 25);
    Files.write(dir.resolve("disk-flat.vmdk"), data);
    Files.createSymbolicLink(dir.resolve("link-flat.vmdk"), dir.resolve("disk-flat.vmdk"));
    Path descriptor = flatDescriptor("link-flat.vmdk", "RW 16 FLAT FILE 0");
    try (DiskImage image = ImageReaders.open(descriptor, null, ALLOW_FLAT)) {
      assertThat(DiskChecks.readAll(image)).isEqualTo(data);
    }
  }
}
