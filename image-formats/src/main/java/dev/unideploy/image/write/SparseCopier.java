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
  private static final int UNIT = 1 << 20;
  private static final int PAGE = 4096;

  private SparseCopier() {}

  /** A unit read by a worker: its bytes and the chunk digests if a fingerprint is wanted. */
  private record Unit(DataUnit unit, byte[] bytes, byte[] digests) {}

  /**
   * Copies {@code image} to {@code out} at {@code base}, feeding {@code fingerprint} (in order)
   * when it is non-null.
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
    BufferPool buffers = new BufferPool(UNIT, OrderedPipeline.maxInFlight(options.threads()) + 1);
    try (OrderedPipeline<Unit> pipeline =
        new OrderedPipeline<>(
            options.threads(),
            u -> {
              writeNonZeroPages(out, base + u.unit().start(), u.bytes(), u.unit().length());
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
                    byte[] bytes = buffers.take();
                    UnitReader.read(image, unit, bytes);
                    byte[] digests =
                        fingerprint == null
                            ? null
                            : ContentFingerprint.chunkDigests(unit.start(), bytes, unit.length());
                    return new Unit(unit, bytes, digests);
                  }));
      pipeline.finish();
    }
    progress.advanced(total, total);
  }

  private static void writeNonZeroPages(FileChannel out, long at, byte[] bytes, int length)
      throws IOException {
    int runStart = -1;
    for (int off = 0; off < length; off += PAGE) {
      int n = Math.min(PAGE, length - off);
      boolean zero = Zeros.isZero(bytes, off, n);
      if (!zero && runStart < 0) {
        runStart = off;
      } else if (zero && runStart >= 0) {
        writeFully(out, at + runStart, ByteBuffer.wrap(bytes, runStart, off - runStart));
        runStart = -1;
      }
    }
    if (runStart >= 0) {
      writeFully(out, at + runStart, ByteBuffer.wrap(bytes, runStart, length - runStart));
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
