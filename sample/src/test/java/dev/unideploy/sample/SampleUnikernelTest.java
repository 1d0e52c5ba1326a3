package dev.unideploy.sample;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SampleUnikernelTest {
  @TempDir Path dir;

  @Test
  void layoutOfTheWrittenImage() throws Exception {
    SampleUnikernel.Options o = SampleUnikernel.Options.defaults();
    Path raw = SampleUnikernel.write(dir.resolve("s.raw"), o);
    assertThat(Files.size(raw)).isEqualTo(64L << 20);
    byte[] mbr = new byte[512];
    try (RandomAccessFile f = new RandomAccessFile(raw.toFile(), "r")) {
      f.readFully(mbr);
      assertThat(mbr[510] & 0xff).isEqualTo(0x55);
      assertThat(mbr[511] & 0xff).isEqualTo(0xAA);
      assertThat(mbr[0] & 0xff).as("first instruction: cli").isEqualTo(0xFA);
      byte[] a = new byte[512];
      f.seek(SampleUnikernel.DATA_LBA_A * 512);
      f.readFully(a);
      assertThat(new String(a, 0, 40, StandardCharsets.US_ASCII))
          .startsWith("unideploy sample data, LBA 2048, tag v1");
      byte[] b = new byte[512];
      long lbaB = (64L << 20) / 512 - SampleUnikernel.DATA_LBA_B_FROM_END;
      f.seek(lbaB * 512);
      f.readFully(b);
      assertThat(new String(b, 0, 40, StandardCharsets.US_ASCII))
          .startsWith("unideploy sample data, LBA " + lbaB);
      // Stage 2 carries the checksum of exactly these two sectors.
      int[] sum = SampleUnikernel.fletcher16(a, b);
      byte[] stage2 = new byte[1024];
      f.seek(512);
      f.readFully(stage2);
      assertThat(
              indexOf(
                  stage2,
                  new byte[] {
                    (byte) sum[0], (byte) (sum[0] >> 8), (byte) sum[1], (byte) (sum[1] >> 8)
                  }))
          .isNotNegative();
    }
    String text = new String(Files.readAllBytes(raw), 0, 4096, StandardCharsets.ISO_8859_1);
    assertThat(text)
        .contains(SampleUnikernel.banner(o))
        .contains(SampleUnikernel.readyLine(o))
        .contains(SampleUnikernel.PANIC_LINE);
  }

  @Test
  void checksumCatchesLossShiftAndCorruption() {
    byte[] a = SampleUnikernel.dataSector("v1", 2048);
    byte[] b = SampleUnikernel.dataSector("v1", 131008);
    int[] good = SampleUnikernel.fletcher16(a, b);
    assertThat(SampleUnikernel.fletcher16(new byte[512], b)).isNotEqualTo(good); // lost
    assertThat(SampleUnikernel.fletcher16(b, a)).isNotEqualTo(good); // swapped
    byte[] shifted = new byte[512];
    System.arraycopy(a, 0, shifted, 1, 511);
    assertThat(SampleUnikernel.fletcher16(shifted, b)).isNotEqualTo(good); // shifted by a byte
    byte[] flipped = a.clone();
    flipped[300] ^= 1;
    assertThat(SampleUnikernel.fletcher16(flipped, b)).isNotEqualTo(good); // one bit
    assertThat(SampleUnikernel.dataSector("v2", 2048)).isNotEqualTo(a); // tags differ
  }

  @Test
  void tagAndSizeAreValidated() {
    SampleUnikernel.Options d = SampleUnikernel.Options.defaults();
    assertThatThrownBy(() -> d.withTag("bad tag")).hasMessageContaining("tag");
    assertThatThrownBy(() -> d.withVirtualSize((1L << 20) + 512)).hasMessageContaining("MiB");
    assertThatThrownBy(() -> d.withVirtualSize(1L << 20)).hasMessageContaining("2 MiB");
    assertThat(SampleUnikernel.build(d.withTag("release-2")).boot().length % 512).isZero();
  }

  @Test
  void buildIsReproducible() {
    SampleUnikernel.Image x = SampleUnikernel.build(SampleUnikernel.Options.defaults());
    SampleUnikernel.Image y = SampleUnikernel.build(SampleUnikernel.Options.defaults());
    assertThat(x.boot()).isEqualTo(y.boot());
    assertThat(x.sectorB()).isEqualTo(y.sectorB());
  }

  @Test
  void assemblerEncodingsAndLabels() {
    RealModeAssembler a = new RealModeAssembler(0x7C00, Map.of("far", 0x7E00));
    a.label("top");
    a.cli(); // FA
    a.movDxImm(0x3F8); // BA F8 03
    a.jz("top"); // 74 FA (back 6 bytes from 0x7C06)
    a.call("far"); // E8 rel16 = 0x7E00 - 0x7C09
    a.movSiLabel("top"); // BE 00 7C
    assertThat(a.assemble())
        .containsExactly(0xFA, 0xBA, 0xF8, 0x03, 0x74, 0xFA, 0xE8, 0xF7, 0x01, 0xBE, 0x00, 0x7C);
  }

  @Test
  void shortJumpOutOfRangeIsRefused() {
    RealModeAssembler a = new RealModeAssembler(0x7C00, Map.of());
    a.jz("far");
    a.db(new int[200]);
    a.label("far");
    assertThatThrownBy(a::assemble).hasMessageContaining("out of range");
  }

  private static int indexOf(byte[] hay, byte[] needle) {
    for (int i = 0; i + needle.length <= hay.length; i++) {
      if (Arrays.equals(hay, i, i + needle.length, needle, 0, needle.length)) {
        return i;
      }
    }
    return -1;
  }
}
