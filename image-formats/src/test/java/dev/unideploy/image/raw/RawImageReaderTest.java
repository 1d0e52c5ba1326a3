package dev.unideploy.image.raw;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.unideploy.image.DiskImage;
import dev.unideploy.image.Extent;
import dev.unideploy.image.ImageFormat;
import dev.unideploy.image.ReadOptions;
import dev.unideploy.image.formats.ImageReaders;
import dev.unideploy.image.readtest.CraftedImages;
import dev.unideploy.image.readtest.DiskChecks;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RawImageReaderTest {
  private static final long MIB = 1024 * 1024;
  private static final long GIB = 1024 * MIB;

  @TempDir Path dir;

  @Test
  void theNativeHoleMapIsUsedOnTheJdkRunningTheTests() throws Exception {
    // Surefire passes --enable-native-access=ALL-UNNAMED, as the launcher does. Without the native
    // map, raw images silently fall back to the slow content scan: this must fail, not skip.
    assumeTrue(System.getProperty("os.name").toLowerCase(Locale.ROOT).contains("linux"));
    String jdk = "Java " + Runtime.version();
    assertThat(RawImageReader.fileHolesSupported()).as("lseek(SEEK_DATA) on %s", jdk).isTrue();
    Path file = dir.resolve("holes.raw");
    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
      f.setLength(64 * MIB);
      f.seek(32 * MIB);
      f.write(new byte[(int) MIB]); // zero content, but allocated
    }
    // With the content scan off, only the file system can tell the allocated zeroes from holes.
    try (DiskImage image =
        ImageReaders.open(
            file, ImageFormat.RAW, ReadOptions.defaults().withDetectZeroContent(false))) {
      assertThat(image.details()).as(jdk).containsEntry("holeDetection", "seek-data");
      assertThat(image.extents())
          .as(jdk)
          .containsExactly(
              Extent.zero(0, 32 * MIB),
              Extent.data(32 * MIB, MIB),
              Extent.zero(33 * MIB, 31 * MIB));
    }
  }

  @Test
  void mapsA100GibSparseFileFromItsHoles() throws Exception {
    assumeTrue(NativeHoleSeeker.available().isPresent(), "lseek(SEEK_DATA) not callable here");
    Path file = dir.resolve("sparse.raw");
    long[] offsets = {0, 10 * GIB, 50 * GIB + 4 * MIB, 100 * GIB - 4 * MIB};
    long[] lengths = {8 * MIB, 4 * MIB, 4 * MIB, 4 * MIB}; // 20 MiB in all
    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
      f.setLength(100 * GIB);
      for (int i = 0; i < offsets.length; i++) {
        f.seek(offsets[i]);
        f.write(CraftedImages.pattern((int) lengths[i], i));
      }
    }
    long start = System.nanoTime();
    try (DiskImage image = ImageReaders.open(file, null, ReadOptions.defaults())) {
      long millis = (System.nanoTime() - start) / 1_000_000;
      System.out.println("RAW-SPARSE-100GiB: extent map in " + millis + " ms");
      assertThat(image.format()).isEqualTo(ImageFormat.RAW);
      assertThat(image.virtualSize()).isEqualTo(100 * GIB);
      assertThat(image.details()).containsEntry("holeDetection", "seek-data+content");
      List<Extent> data = image.extents().stream().filter(Extent::data).toList();
      assertThat(data).hasSize(4);
      for (int i = 0; i < offsets.length; i++) {
        assertThat(data.get(i)).isEqualTo(Extent.data(offsets[i], lengths[i]));
      }
      assertThat(image.allocatedBytes()).isEqualTo(20 * MIB);
    }
  }

  @Test
  void contentScanTurnsWrittenZeroesIntoZeroExtents() throws Exception {
    Path file = dir.resolve("zeros.raw");
    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
      f.write(new byte[(int) (2 * MIB)]); // written, not holes
      f.seek(64 * 1024 + 10);
      f.write(1);
      f.seek(MIB + 5);
      f.write(new byte[] {1, 2, 3});
      f.setLength(2 * MIB + 100);
      f.seek(2 * MIB + 99);
      f.write(9);
    }
    for (boolean holes : new boolean[] {true, false}) {
      try (DiskImage image =
          ImageReaders.open(
              file, ImageFormat.RAW, ReadOptions.defaults().withUseFileHoles(holes))) {
        assertThat(image.extents())
            .containsExactly(
                Extent.zero(0, 64 * 1024),
                Extent.data(64 * 1024, 64 * 1024),
                Extent.zero(128 * 1024, MIB - 128 * 1024),
                Extent.data(MIB, 64 * 1024),
                Extent.zero(MIB + 64 * 1024, MIB - 64 * 1024),
                Extent.data(2 * MIB, 100));
        DiskChecks.checkExtents(image);
      }
    }
  }

  @Test
  void granularityIsConfigurableAndContentScanCanBeTurnedOff() throws Exception {
    Path file = dir.resolve("gran.raw");
    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
      f.write(new byte[(int) MIB]);
      f.seek(5000);
      f.write(7);
    }
    try (DiskImage image =
        ImageReaders.open(
            file, ImageFormat.RAW, ReadOptions.defaults().withZeroGranularity(4096))) {
      assertThat(image.extents())
          .containsExactly(
              Extent.zero(0, 4096), Extent.data(4096, 4096), Extent.zero(8192, MIB - 8192));
    }
    try (DiskImage image =
        ImageReaders.open(
            file,
            ImageFormat.RAW,
            ReadOptions.defaults().withDetectZeroContent(false).withUseFileHoles(false))) {
      assertThat(image.extents()).containsExactly(Extent.data(0, MIB));
      assertThat(image.details()).containsEntry("holeDetection", "none");
    }
  }

  @Test
  void emptyFileIsAnEmptyDisk() throws Exception {
    Path file = dir.resolve("empty.raw");
    new RandomAccessFile(file.toFile(), "rw").close();
    try (DiskImage image = ImageReaders.open(file)) {
      assertThat(image.virtualSize()).isZero();
      assertThat(image.extents()).isEmpty();
    }
  }
}
