package dev.unideploy.image.write;

import dev.unideploy.image.DiskImage;
import dev.unideploy.image.ImageFormat;
import dev.unideploy.image.ReadOptions;
import dev.unideploy.image.TargetFormat;
import dev.unideploy.image.formats.ImageReaders;
import dev.unideploy.image.formats.ImageWriters;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

/** Test helpers: write an image in a format, and read a written file back to bytes. */
final class WrittenImages {
  private WrittenImages() {}

  static WriteResult write(DiskImage image, TargetFormat format, Path out, WriteOptions options)
      throws IOException {
    try (FileChannel ch =
        FileChannel.open(
            out,
            StandardOpenOption.CREATE,
            StandardOpenOption.READ,
            StandardOpenOption.WRITE,
            StandardOpenOption.TRUNCATE_EXISTING)) {
      return ImageWriters.writerFor(format).write(image, ch, options, WriteProgress.NONE);
    }
  }

  /**
   * The first {@code length} bytes of the virtual disk in a written file, read with the project's
   * own readers (raw, VMDK, VHD) or Commons Compress (GCE tarball).
   */
  static byte[] readBack(TargetFormat format, Path file, int length) throws IOException {
    if (format == TargetFormat.GCE_TARBALL) {
      return readTarball(file, length);
    }
    ImageFormat as =
        switch (format) {
          case RAW -> ImageFormat.RAW;
          case VMDK_STREAM, VMDK_SPARSE -> ImageFormat.VMDK;
          default -> ImageFormat.VHD;
        };
    try (DiskImage image = ImageReaders.open(file, as, ReadOptions.defaults())) {
      byte[] out = new byte[length];
      UnitReader.readFully(image, 0, out, 0, length);
      return out;
    }
  }

  /** Reads disk.raw from a tarball; checks it is the only entry and returns its first bytes. */
  static byte[] readTarball(Path file, int length) throws IOException {
    try (InputStream in = Files.newInputStream(file);
        TarArchiveInputStream tar = new TarArchiveInputStream(new GzipCompressorInputStream(in))) {
      TarArchiveEntry entry = tar.getNextEntry();
      if (entry == null || !entry.getName().equals("disk.raw")) {
        throw new IOException("first entry is not disk.raw: " + entry);
      }
      byte[] out = tar.readNBytes(length);
      return out;
    }
  }

  /** Deletes a folder and everything in it (a property's scratch folder). */
  static void deleteTree(Path dir) throws IOException {
    try (var files = Files.walk(dir)) {
      files.sorted((a, b) -> b.compareTo(a)).forEach(p -> p.toFile().delete());
    }
  }
}
