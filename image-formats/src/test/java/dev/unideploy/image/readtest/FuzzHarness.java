package dev.unideploy.image.readtest;

import dev.unideploy.image.DiskImage;
import dev.unideploy.image.Extent;
import dev.unideploy.image.ImageFormat;
import dev.unideploy.image.ImageFormatException;
import dev.unideploy.image.ImageReaders;
import dev.unideploy.image.ReadOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * One fuzz execution: write the input to a file, open it as a format, check the extent map and read
 * the data. A clean result or an {@link ImageFormatException} passes; any other exception, an
 * out-of-memory error or a hang (caught by the caller's timeout) is a finding.
 */
public final class FuzzHarness {
  private static final long BUDGET = 4L * 1024 * 1024;

  private FuzzHarness() {}

  public static void run(ImageFormat formatOrNull, byte[] input) {
    try {
      Path file = Files.createTempFile("unideploy-fuzz", ".img");
      try {
        Files.write(file, input);
        runOnFile(file, formatOrNull);
      } finally {
        Files.deleteIfExists(file);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void runOnFile(Path file, ImageFormat format) throws IOException {
    try (DiskImage image = ImageReaders.open(file, format, ReadOptions.defaults())) {
      long pos = 0;
      for (Extent e : image.extents()) {
        if (e.offset() != pos) {
          throw new AssertionError("extent map has a gap or overlap at " + e);
        }
        pos = e.end();
      }
      if (pos != image.virtualSize()) {
        throw new AssertionError("extent map ends at " + pos + ", disk at " + image.virtualSize());
      }
      image.details().toString();
      long budget = BUDGET;
      ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
      for (Extent e : image.extents()) {
        long at = e.offset();
        long end = e.data() ? e.end() : Math.min(e.end(), e.offset() + 512);
        while (at < end && budget > 0) {
          buf.clear().limit((int) Math.min(buf.capacity(), end - at));
          int n = image.read(at, buf);
          if (n <= 0) {
            throw new AssertionError("read returned " + n + " at " + at);
          }
          if (!e.data()) {
            for (int i = 0; i < n; i++) {
              if (buf.get(i) != 0) {
                throw new AssertionError("zero extent " + e + " reads data at " + (at + i));
              }
            }
          }
          at += n;
          budget -= n;
        }
      }
    } catch (ImageFormatException expected) {
      // the clean error a bad image must end in
    }
  }
}
