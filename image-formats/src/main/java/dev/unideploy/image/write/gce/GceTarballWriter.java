package dev.unideploy.image.write.gce;

import dev.unideploy.image.DiskImage;
import dev.unideploy.image.Extent;
import dev.unideploy.image.TargetFormat;
import dev.unideploy.image.write.BufferPool;
import dev.unideploy.image.write.ChannelOutput;
import dev.unideploy.image.write.DigestPass;
import dev.unideploy.image.write.ImageWriter;
import dev.unideploy.image.write.OrderedPipeline;
import dev.unideploy.image.write.UnitReader;
import dev.unideploy.image.write.WriteOptions;
import dev.unideploy.image.write.WriteProgress;
import dev.unideploy.image.write.WriteResult;
import dev.unideploy.image.write.Zeros;
import dev.unideploy.image.write.gce.ParallelGzip.Compressed;
import dev.unideploy.image.write.gce.TarStreamChunker.DiskRange;
import dev.unideploy.image.write.gce.TarStreamChunker.Literal;
import dev.unideploy.image.write.gce.TarStreamChunker.Piece;
import dev.unideploy.image.write.gce.TarStreamChunker.ZeroRun;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.FutureTask;

/**
 * Writes a Compute Engine image tarball: {@code disk.raw}, its size rounded up to a whole GiB, in a
 * gzip'd tar in old-GNU format, as
 * https://cloud.google.com/compute/docs/import/import-existing-image describes. With {@code
 * sparse}, zero regions become old-GNU sparse holes (as {@code tar -S} makes them); otherwise they
 * are gzip'd zeroes, compressed once and reused. The gzip is built in parallel, pigz-style ({@link
 * ParallelGzip}).
 */
public final class GceTarballWriter implements ImageWriter {
  static final long GIB = 1L << 30;
  static final int CHUNK = 1 << 20;
  static final String NAME = "disk.raw";
  static final int RECORD = 20 * OldGnuTarHeader.BLOCK; // GNU tar's default blocking factor

  private volatile Compressed zeroChunk;

  @Override
  public TargetFormat format() {
    return TargetFormat.GCE_TARBALL;
  }

  /** The disk size Compute Engine accepts: whole GiB, at least 1 GiB. */
  public static long gceSize(long virtualSize) {
    return Math.max(GIB, (virtualSize + GIB - 1) / GIB * GIB);
  }

  @Override
  public WriteResult write(
      DiskImage image, FileChannel out, WriteOptions options, WriteProgress progress)
      throws IOException {
    out.truncate(0);
    return digested(image, new ChannelOutput(out, 0), options, progress);
  }

  /**
   * Writes the tarball to {@code out} in order, as a stream: the same bytes as the file variant, so
   * an upload can send it while it is made, and regenerate it to resume at an offset.
   */
  public WriteResult writeStream(
      DiskImage image, WritableByteChannel out, WriteOptions options, WriteProgress progress)
      throws IOException {
    return digested(image, new ChannelOutput(out), options, progress);
  }

  private WriteResult digested(
      DiskImage image, ChannelOutput o, WriteOptions options, WriteProgress progress)
      throws IOException {
    if (options.digest() == null) {
      return write(image, o, options, progress);
    }
    // The tar stream's chunks do not line up with the disk's, so the digest reads the disk in a
    // pass of its own, on its own thread, while the stream is compressed.
    FutureTask<Void> digesting = DigestPass.start(image, options.digest(), options.threads());
    try {
      WriteResult result = write(image, o, options, progress);
      DigestPass.await(digesting);
      return result;
    } finally {
      digesting.cancel(true);
    }
  }

  private WriteResult write(
      DiskImage image, ChannelOutput o, WriteOptions options, WriteProgress progress)
      throws IOException {
    long virtual = image.virtualSize();
    long size = gceSize(virtual);
    long[] regions = options.sparse() ? dataRegions(image.extents(), virtual, size) : null;
    long stored = size;
    if (regions != null) {
      stored = 0;
      for (int i = 1; i < regions.length; i += 2) {
        stored += regions[i];
      }
    }
    byte[] header = OldGnuTarHeader.build(NAME, options.mtimeEpochSeconds(), stored, size, regions);
    long body = header.length + roundUp(stored, OldGnuTarHeader.BLOCK);
    long streamTotal = roundUp(body + 2L * OldGnuTarHeader.BLOCK, RECORD);

    ParallelGzip gzip = new ParallelGzip(o, CHUNK);
    int level = options.compressionLevel();
    BufferPool buffers = new BufferPool(CHUNK, options.threads() + 1);
    long[] streamDone = {0};
    try (OrderedPipeline<Compressed> pipeline =
        new OrderedPipeline<>(
            options.threads(),
            c -> {
              gzip.append(c);
              streamDone[0] += c.length();
              progress.advanced((long) ((double) streamDone[0] / streamTotal * virtual), virtual);
            })) {
      TarStreamChunker chunker =
          new TarStreamChunker(
              CHUNK,
              (pieces, length) ->
                  pipeline.submit(() -> compress(image, buffers, pieces, length, level)));
      chunker.add(new Literal(header));
      if (regions != null) {
        for (int i = 0; i < regions.length; i += 2) {
          if (regions[i + 1] > 0) {
            chunker.add(new DiskRange(regions[i], regions[i + 1]));
          }
        }
      } else {
        for (Extent e : image.extents()) {
          long end = Math.min(e.end(), virtual);
          if (e.offset() < end) {
            chunker.add(
                e.data()
                    ? new DiskRange(e.offset(), end - e.offset())
                    : new ZeroRun(end - e.offset()));
          }
        }
        chunker.add(new ZeroRun(size - virtual));
      }
      chunker.add(new ZeroRun(streamTotal - header.length - stored));
      chunker.finish();
      pipeline.finish();
    }
    gzip.finish();
    o.flush();
    progress.advanced(virtual, virtual);
    return new WriteResult(o.position(), size);
  }

  private Compressed compress(
      DiskImage image, BufferPool buffers, List<Piece> pieces, int length, int level)
      throws IOException {
    if (length == CHUNK && pieces.stream().allMatch(p -> p instanceof ZeroRun)) {
      return zeroChunk(level);
    }
    byte[] buf = buffers.take();
    int at = 0;
    for (Piece p : pieces) {
      int n = (int) p.length();
      if (p instanceof Literal l) {
        System.arraycopy(l.bytes(), l.offset(), buf, at, n);
      } else if (p instanceof DiskRange r) {
        UnitReader.readFully(image, r.offset(), buf, at, n);
      } else {
        Arrays.fill(buf, at, at + n, (byte) 0);
      }
      at += n;
    }
    try {
      if (length == CHUNK && Zeros.isZero(buf, 0, length)) {
        return zeroChunk(level);
      }
      return ParallelGzip.compress(buf, length, level);
    } finally {
      buffers.give(buf);
    }
  }

  /** The compressed form of a chunk of zeroes, computed once: chunks are independent. */
  private Compressed zeroChunk(int level) {
    Compressed z = zeroChunk;
    if (z == null) {
      z = ParallelGzip.compress(new byte[CHUNK], CHUNK, level);
      zeroChunk = z;
    }
    return z;
  }

  /**
   * The data regions for the sparse map: data extents merged, clipped to the disk, followed by an
   * empty region at the end of the file when it ends in a hole, as GNU tar writes it.
   */
  static long[] dataRegions(List<Extent> extents, long virtual, long size) {
    long[] r = new long[16];
    int n = 0;
    for (Extent e : extents) {
      long end = Math.min(e.end(), virtual);
      if (!e.data() || e.offset() >= end) {
        continue;
      }
      if (n > 0 && r[n - 2] + r[n - 1] == e.offset()) {
        r[n - 1] += end - e.offset();
        continue;
      }
      if (n + 2 > r.length) {
        r = Arrays.copyOf(r, r.length * 2);
      }
      r[n++] = e.offset();
      r[n++] = end - e.offset();
    }
    if (n == 0 || r[n - 2] + r[n - 1] < size) {
      if (n + 2 > r.length) {
        r = Arrays.copyOf(r, r.length + 2);
      }
      r[n++] = size;
      r[n++] = 0;
    }
    return Arrays.copyOf(r, n);
  }

  private static long roundUp(long v, long to) {
    return (v + to - 1) / to * to;
  }
}
