package dev.unideploy.image.readtest;

import dev.unideploy.image.DiskImage;
import dev.unideploy.image.Extent;
import dev.unideploy.image.ImageFormat;
import dev.unideploy.image.ImageFormatException;
import dev.unideploy.image.ReadOptions;
import dev.unideploy.image.StoredRun;
import dev.unideploy.image.formats.ImageReaders;
import dev.unideploy.image.gce.GceTarballExtractor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

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

  /**
   * One fuzz execution of the GCE tarball extractor: extract disk.raw (a disk of at most 1 GiB),
   * then open the result as raw and read it as {@link #run} does. A clean result or an {@link
   * ImageFormatException} passes, and a failed extraction must leave no file behind.
   */
  public static void runGceTarball(byte[] input) {
    try {
      Path dir = Files.createTempDirectory("unideploy-fuzz");
      Path tarball = dir.resolve("image.tar.gz");
      Path out = dir.resolve("disk.raw");
      try {
        Files.write(tarball, input);
        try {
          GceTarballExtractor.extractDiskRaw(
              tarball,
              out,
              new GceTarballExtractor.Limits(1L << 30, 1L << 20),
              GceTarballExtractor.Progress.NONE);
        } catch (ImageFormatException expected) {
          try (java.util.stream.Stream<Path> left = Files.list(dir)) {
            if (left.count() != 1) {
              throw new AssertionError("a failed extraction left files behind in " + dir);
            }
          }
          return;
        }
        runOnFile(out, ImageFormat.RAW);
      } finally {
        try (java.util.stream.Stream<Path> left = Files.list(dir)) {
          for (Path p : (Iterable<Path>) left::iterator) {
            Files.deleteIfExists(p);
          }
        }
        Files.deleteIfExists(dir);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The flat extent next to a fuzzed descriptor: 8 KiB, as {@link #FLAT_DESCRIPTOR} names it. */
  public static final String FLAT_EXTENT = "disk-flat.vmdk";

  /** A valid monolithicFlat descriptor of a 16-sector disk in {@link #FLAT_EXTENT}. */
  public static final byte[] FLAT_DESCRIPTOR =
      CraftedImages.descriptor("monolithicFlat", "RW 16 FLAT \"" + FLAT_EXTENT + "\" 0");

  /**
   * One fuzz execution of a VMDK text descriptor: written as disk.vmdk next to an 8 KiB flat extent
   * and a file outside its folder, opened with flat extents allowed, then checked and read as
   * {@link #run} does. Whatever the descriptor says, nothing outside the folder may be read.
   */
  public static void runVmdkDescriptor(byte[] input) {
    try {
      Path parent = Files.createTempDirectory("unideploy-fuzz");
      Path dir = Files.createDirectory(parent.resolve("image"));
      Path outside = parent.resolve("outside.raw");
      try {
        Files.write(outside, new byte[8192]);
        Files.write(dir.resolve(FLAT_EXTENT), CraftedImages.pattern(8192, 26));
        Path descriptor = dir.resolve("disk.vmdk");
        Files.write(descriptor, input);
        ReadOptions flat = ReadOptions.defaults().withAllowFlatExtents(true);
        try (DiskImage image = ImageReaders.open(descriptor, ImageFormat.VMDK, flat)) {
          Object extent = image.details().get("extentFile");
          if (extent != null && !extent.equals(FLAT_EXTENT)) {
            throw new AssertionError("a descriptor read the extent " + extent);
          }
        } catch (ImageFormatException expected) {
          return;
        }
        runOnFile(descriptor, ImageFormat.VMDK, flat);
      } finally {
        for (Path p :
            new Path[] {dir.resolve("disk.vmdk"), dir.resolve(FLAT_EXTENT), dir, outside}) {
          Files.deleteIfExists(p);
        }
        Files.deleteIfExists(parent);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void runOnFile(Path file, ImageFormat format) throws IOException {
    runOnFile(file, format, ReadOptions.defaults());
  }

  private static void runOnFile(Path file, ImageFormat format, ReadOptions options)
      throws IOException {
    try (DiskImage image = ImageReaders.open(file, format, options)) {
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
      checkStoredRuns(image);
    } catch (ImageFormatException expected) {
      // the clean error a bad image must end in
    }
  }

  /** The runs a kernel copy would take must lie in the file and hold what reads return. */
  private static void checkStoredRuns(DiskImage image) throws IOException {
    long budget = BUDGET;
    List<StoredRun> runs = new ArrayList<>();
    ByteBuffer stored = ByteBuffer.allocate(64 * 1024);
    ByteBuffer read = ByteBuffer.allocate(64 * 1024);
    for (Extent e : image.extents()) {
      if (!e.data() || budget <= 0) {
        continue;
      }
      long length = Math.min(e.length(), budget);
      budget -= length;
      runs.clear();
      if (!image.storedRuns(e.offset(), length, runs)) {
        continue;
      }
      long pos = e.offset();
      for (StoredRun r : runs) {
        if (r.offset() != pos) {
          throw new AssertionError("stored runs leave a gap or overlap at " + r);
        }
        for (long done = 0; done < r.length(); ) {
          int n = (int) Math.min(stored.capacity(), r.length() - done);
          stored.clear().limit(n);
          read.clear().limit(n);
          while (stored.hasRemaining()) {
            if (image.storage().read(stored, r.fileOffset() + done + stored.position()) < 0) {
              throw new AssertionError("stored run " + r + " runs past the end of the file");
            }
          }
          while (read.hasRemaining()) {
            if (image.read(r.offset() + done + read.position(), read) <= 0) {
              throw new AssertionError("a read inside stored run " + r + " returned nothing");
            }
          }
          if (!stored.flip().equals(read.flip())) {
            throw new AssertionError("stored run " + r + " differs from what the image reads");
          }
          done += n;
        }
        pos = r.end();
      }
      if (pos != e.offset() + length) {
        throw new AssertionError("stored runs end at " + pos + ", not " + (e.offset() + length));
      }
    }
  }
}
