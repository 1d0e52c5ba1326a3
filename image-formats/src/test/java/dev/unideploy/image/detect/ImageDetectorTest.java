package dev.unideploy.image.detect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.unideploy.image.ImageFormat;
import dev.unideploy.image.ImageFormatException;
import dev.unideploy.image.formats.ImageReaders;
import dev.unideploy.image.readtest.CraftedImages;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageDetectorTest {
  @TempDir Path dir;

  private Path write(String name, byte[] bytes) throws Exception {
    Path file = dir.resolve(name);
    Files.write(file, bytes);
    return file;
  }

  @Test
  void detectsByContentNotByName() throws Exception {
    // Every name lies about the content.
    assertThat(ImageDetector.detect(write("a.raw", CraftedImages.qcow2(3, false).file())))
        .isEqualTo(ImageFormat.QCOW2);
    assertThat(ImageDetector.detect(write("b.qcow2", CraftedImages.vmdkSparse().file())))
        .isEqualTo(ImageFormat.VMDK);
    assertThat(ImageDetector.detect(write("c.img", CraftedImages.vhdDynamic().file())))
        .isEqualTo(ImageFormat.VHD);
    assertThat(ImageDetector.detect(write("d.vmdk", CraftedImages.vhdFixed().file())))
        .isEqualTo(ImageFormat.VHD);
    assertThat(ImageDetector.detect(write("e.vhd", CraftedImages.pattern(4096, 3))))
        .isEqualTo(ImageFormat.RAW);
    assertThat(
            ImageDetector.detect(
                write("f.raw", CraftedImages.descriptor("monolithicFlat", "RW 1 FLAT \"x\" 0"))))
        .isEqualTo(ImageFormat.VMDK);
    assertThat(ImageDetector.detect(write("g.vmdk", new byte[] {0x1f, (byte) 0x8b, 8, 0})))
        .isEqualTo(ImageFormat.GCE_TARBALL);
    assertThat(ImageDetector.detect(write("empty", new byte[0]))).isEqualTo(ImageFormat.RAW);
  }

  @Test
  void explicitFormatOverridesDetection() throws Exception {
    Path file = write("x.img", CraftedImages.qcow2(3, false).file());
    try (var image =
        ImageReaders.open(file, ImageFormat.RAW, dev.unideploy.image.ReadOptions.defaults())) {
      assertThat(image.format()).isEqualTo(ImageFormat.RAW);
      assertThat(image.virtualSize()).isEqualTo(Files.size(file));
    }
  }

  @Test
  void refusesFormatsItCannotReadInsteadOfCallingThemRaw() throws Exception {
    for (String magic : new String[] {"vhdxfile", "COWD", "QED\0", "QFI\u00fa"}) {
      byte[] bytes = Arrays.copyOf(magic.getBytes(StandardCharsets.ISO_8859_1), 4096);
      Path file = write("image", bytes);
      assertThatThrownBy(() -> ImageDetector.detect(file))
          .isInstanceOf(ImageFormatException.class)
          .hasMessageContaining(file.toString())
          .hasMessageContaining("qemu-img convert");
    }
    byte[] vdi = new byte[4096];
    vdi[64] = 0x7f;
    vdi[65] = 0x10;
    vdi[66] = (byte) 0xda;
    vdi[67] = (byte) 0xbe;
    Path file = write("vdi", vdi);
    assertThatThrownBy(() -> ImageDetector.detect(file)).hasMessageContaining("VDI");
  }

  @Test
  void tarballsAreNotReadAsDisks() throws Exception {
    Path file = write("disk.tar.gz", new byte[] {0x1f, (byte) 0x8b, 8, 0, 0, 0});
    assertThatThrownBy(() -> ImageReaders.open(file))
        .isInstanceOf(ImageFormatException.class)
        .hasMessageContaining("extract disk.raw");
  }
}
