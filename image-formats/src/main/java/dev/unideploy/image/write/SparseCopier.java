package dev.unideploy.image.write;

import dev.unideploy.image.DiskImage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * Copies the virtual disk into a file at a fixed offset, leaving holes wherever the disk is zero
 * (zero extents, and data blocks whose 4 KiB pages are all zero), as {@code qemu-img convert} does
 * with its default {@code -S 4k}. Shared by the raw and the fixed VHD writers.
 */
public final class SparseCopier {
  /** 2 MiB: fewer system calls than 1 MiB, and still small enough to keep both cores busy. */
  private static final int UNIT = 2 << 20;

  private SparseCopier() {}

  /** A unit read by a worker: its bytes, which pages are zero, and the chunk digests if wanted. */
  private record Unit(DataUnit unit, ByteBuffer bytes, long[] zeroPages, byte[] digests) {}

  /**
   * Copies {@code image} to {@code out} at {@code base}, feeding {@code fingerprint} (in order)
   * when it is non-null.
   *
   * <p>Units go through direct buffers (one kernel copy in, one out, as {@code qemu-img}) and each
   * byte is scanned for zeroes once: the page map serves both the holes and the fingerprint.
   */
  public static void copy(
      DiskImage image,
      FileChannel out,
      long base,
      WriteOptions options,
      WriteProgress progress,
      ContentFingerprint fingerprint)
      throws IOException {
    long total = image.virtualSize();
    DirectBufferPool buffers =
        new DirectBufferPool(UNIT, OrderedPipeline.maxInFlight(options.threads()) + 1);
    try (OrderedPipeline<Unit> pipeline =
        new OrderedPipeline<>(
            options.threads(),
            u -> {
              writeNonZeroPages(out, base + u.unit().start(), u.bytes(), u.zeroPages());
              buffers.give(u.bytes());
              if (fingerprint != null) {
                fingerprint.add(u.digests());
              }
              progress.advanced(u.unit().end(), total);
            })) {
      DataUnits.forEach(
          image.extents(),
          total,
          UNIT,
          unit ->
              pipeline.submit(
                  () -> {
                    ByteBuffer bytes = buffers.take();
                    UnitReader.read(image, unit, bytes);
                    long[] zeroPages = Zeros.zeroPages(bytes);
                    byte[] digests =
                        fingerprint == null
                            ? null
                            : ContentFingerprint.chunkDigests(unit.start(), bytes, zeroPages);
                    return new Unit(unit, bytes, zeroPages, digests);
                  }));
      pipeline.finish();
    }
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
