package dev.unideploy.image.readtest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.unideploy.image.DiskImage;
import dev.unideploy.image.Extent;
import dev.unideploy.image.ImageFormat;
import dev.unideploy.image.ImageFormatException;
import dev.unideploy.image.ReadOptions;
import dev.unideploy.image.formats.ImageReaders;
import dev.unideploy.image.gce.GceTarballExtractor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;

/** Feeds corrupt and hostile files to a reader and checks they end in a clear, bounded error. */
public final class BadInput {
  /** At most this much data is read from an image that opened: bounds time on amplification. */
  public static final long READ_BUDGET = 64L * 1024 * 1024;

  private BadInput() {}

  /**
   * Writes {@code bytes} to {@code dir/name}, opens it as {@code format} and reads its data; this
   * must fail with an {@link ImageFormatException} naming the file and a byte offset, within 10 s.
   */
  public static void assertRejected(
      Path dir, String name, byte[] bytes, ImageFormat format, ReadOptions options)
      throws IOException {
    Path file = dir.resolve(name);
    Files.write(file, bytes);
    assertTimeoutPreemptively(
        Duration.ofSeconds(10),
        () -> {
          long before = allocatedByThisThread();
          assertThatThrownBy(() -> openAndRead(file, format, options))
              .as(name)
              .isInstanceOf(ImageFormatException.class)
              .hasMessageContaining(file.toString())
              .hasMessageContaining("byte offset");
          long allocated = allocatedByThisThread() - before;
          assertThat(allocated).as("%s: heap allocated while rejecting", name).isLessThan(MAX_HEAP);
        },
        name);
  }

  /**
   * Writes {@code bytes} to {@code dir/name} and extracts its disk.raw: this must fail with an
   * {@link ImageFormatException} naming the file and a byte offset, within 10 s, and leave neither
   * the output nor a partial file behind.
   */
  public static void assertTarballRejected(
      Path dir, String name, byte[] bytes, GceTarballExtractor.Limits limits) throws IOException {
    Path file = dir.resolve(name);
    Files.write(file, bytes);
    Path outDir = Files.createDirectories(dir.resolve(name + ".out"));
    Path out = outDir.resolve("disk.raw");
    assertTimeoutPreemptively(
        Duration.ofSeconds(10),
        () -> {
          long before = allocatedByThisThread();
          assertThatThrownBy(
                  () ->
                      GceTarballExtractor.extractDiskRaw(
                          file, out, limits, GceTarballExtractor.Progress.NONE))
              .as(name)
              .isInstanceOf(ImageFormatException.class)
              .hasMessageContaining(file.toString())
              .hasMessageContaining("byte offset");
          long allocated = allocatedByThisThread() - before;
          assertThat(allocated).as("%s: heap allocated while rejecting", name).isLessThan(MAX_HEAP);
        },
        name);
    try (java.util.stream.Stream<Path> left = Files.list(outDir)) {
      assertThat(left).as("%s: files left behind", name).isEmpty();
    }
  }

  /** What rejecting a tiny hostile file may allocate: far below any claimed size. */
  private static final long MAX_HEAP = 64L * 1024 * 1024;

  private static long allocatedByThisThread() {
    java.lang.management.ThreadMXBean bean =
        java.lang.management.ManagementFactory.getThreadMXBean();
    if (bean instanceof com.sun.management.ThreadMXBean sun) {
      return sun.getThreadAllocatedBytes(Thread.currentThread().getId());
    }
    return 0;
  }

  public static void assertRejected(Path dir, String name, byte[] bytes, ImageFormat format)
      throws IOException {
    assertRejected(dir, name, bytes, format, ReadOptions.defaults());
  }

  /**
   * Opens and reads an image the way a writer would: data extents (up to {@link #READ_BUDGET}
   * bytes) and one probe into each zero extent. Returns the bytes read.
   */
  public static long openAndRead(Path file, ImageFormat format, ReadOptions options)
      throws IOException {
    try (DiskImage image = ImageReaders.open(file, format, options)) {
      long budget = READ_BUDGET;
      ByteBuffer buf = ByteBuffer.allocate(256 * 1024);
      image.details();
      for (Extent e : image.extents()) {
        if (!e.data()) {
          buf.clear().limit((int) Math.min(512, e.length()));
          image.read(e.offset(), buf);
          continue;
        }
        for (long at = e.offset(); at < e.end() && budget > 0; ) {
          buf.clear().limit((int) Math.min(buf.capacity(), e.end() - at));
          int n = image.read(at, buf);
          if (n <= 0) {
            throw new AssertionError("read returned " + n + " inside " + e);
          }
          at += n;
          budget -= n;
        }
      }
      return READ_BUDGET - budget;
    }
  }

  /** A copy of {@code bytes} cut to {@code length}. */
  public static byte[] truncate(byte[] bytes, int length) {
    return Arrays.copyOf(bytes, length);
  }

  /** A copy to patch big-endian. */
  public static ByteBuffer be(byte[] bytes) {
    return ByteBuffer.wrap(bytes.clone());
  }

  /** A copy to patch little-endian. */
  public static ByteBuffer le(byte[] bytes) {
    return ByteBuffer.wrap(bytes.clone()).order(ByteOrder.LITTLE_ENDIAN);
  }
}
