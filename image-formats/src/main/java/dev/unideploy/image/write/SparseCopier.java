package dev.unideploy.image.write;

import dev.unideploy.image.DiskImage;
import dev.unideploy.image.StoredRun;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.List;

/**
 * Copies the virtual disk into a file at a fixed offset, leaving holes wherever the disk is zero.
 * Shared by the raw and the fixed VHD writers.
 *
 * <p>Data the image file stores as it reads (raw data, uncompressed qcow2 clusters and VMDK grains,
 * VHD blocks) is copied by the kernel ({@link KernelCopy}): the JVM never sees it. Data that must
 * be decoded (compressed clusters and grains), and all data when a digest is wanted, is read into
 * direct buffers instead, and its all-zero 4 KiB pages become holes, as {@code qemu-img convert}
 * makes them with its default {@code -S 4k}.
 */
public final class SparseCopier {
  /** 2 MiB: fewer system calls than 1 MiB, and still small enough to keep both cores busy. */
  private static final int UNIT = 2 << 20;

  private SparseCopier() {}

  /**
   * A unit ready to write: either the runs the kernel copies, or the bytes a worker read, which
   * pages are zero, and its digest if one is wanted.
   */
  private record Unit(
      DataUnit unit, List<StoredRun> runs, ByteBuffer bytes, long[] zeroPages, byte[] digest) {}

  /** Copies {@code image} to {@code out} at {@code base}, feeding {@code options.digest()}. */
  public static void copy(
      DiskImage image, FileChannel out, long base, WriteOptions options, WriteProgress progress)
      throws IOException {
    long total = image.virtualSize();
    UnitDigest digest = options.digest();
    KernelCopy kernel = new KernelCopy(image.storage(), out);
    DirectBufferPool buffers =
        new DirectBufferPool(UNIT, OrderedPipeline.maxInFlight(options.threads()) + 1);
    try (OrderedPipeline<Unit> pipeline =
        new OrderedPipeline<>(
            options.threads(),
            u -> {
              long start = u.unit().start();
              if (u.runs() != null) {
                kernel.add(u.runs(), start, u.unit().end(), base + start);
              } else {
                writeNonZeroPages(out, base + start, u.bytes(), u.zeroPages());
                buffers.give(u.bytes());
                if (digest != null) {
                  digest.add(u.digest());
                }
              }
              progress.advanced(u.unit().end(), total);
            })) {
      DataUnits.forEach(
          image.extents(),
          total,
          UNIT,
          unit -> {
            List<StoredRun> runs = digest == null ? KernelCopy.runs(image, unit) : null;
            if (runs != null) {
              pipeline.submitDone(new Unit(unit, runs, null, null, null));
              return;
            }
            pipeline.submit(
                () -> {
                  ByteBuffer bytes = buffers.take();
                  UnitReader.read(image, unit, bytes);
                  long[] zeroPages = Zeros.zeroPages(bytes);
                  byte[] d = digest == null ? null : digest.digest(unit.start(), bytes, zeroPages);
                  return new Unit(unit, null, bytes, zeroPages, d);
                });
          });
      pipeline.finish();
    }
    kernel.flush();
    progress.advanced(total, total);
  }

  /** Writes the runs of non-zero pages of {@code bytes} (0 to its limit), leaving holes between. */
  private static void writeNonZeroPages(FileChannel out, long at, ByteBuffer bytes, long[] zero)
      throws IOException {
    int length = bytes.limit();
    int pages = (length + Zeros.PAGE - 1) / Zeros.PAGE;
    int runStart = -1;
    for (int p = 0; p <= pages; p++) {
      boolean isZero = p == pages || (zero[p >>> 6] & (1L << p)) != 0;
      if (!isZero && runStart < 0) {
        runStart = p * Zeros.PAGE;
      } else if (isZero && runStart >= 0) {
        int runEnd = Math.min(length, p * Zeros.PAGE);
        writeFully(out, at + runStart, bytes.duplicate().limit(runEnd).position(runStart));
        runStart = -1;
      }
    }
  }

  /** Positional write of all of {@code src}. */
  public static void writeFully(FileChannel out, long at, ByteBuffer src) throws IOException {
    long pos = at;
    while (src.hasRemaining()) {
      pos += out.write(src, pos);
    }
  }

  /**
   * Makes the file exactly {@code size} bytes long; when it is shorter (the disk ends in zeroes)
   * one zero byte is written at the end, leaving the rest a hole.
   */
  public static void setLength(FileChannel out, long size) throws IOException {
    if (out.size() > size) {
      out.truncate(size);
    } else if (out.size() < size) {
      writeFully(out, size - 1, ByteBuffer.allocate(1));
    }
  }
}
