package dev.unideploy.image.write.vhd;

import dev.unideploy.image.DiskImage;
import dev.unideploy.image.TargetFormat;
import dev.unideploy.image.write.BufferPool;
import dev.unideploy.image.write.ChannelOutput;
import dev.unideploy.image.write.ContentFingerprint;
import dev.unideploy.image.write.DataUnits;
import dev.unideploy.image.write.ImageWriter;
import dev.unideploy.image.write.OrderedPipeline;
import dev.unideploy.image.write.SparseCopier;
import dev.unideploy.image.write.UnitReader;
import dev.unideploy.image.write.WriteOptions;
import dev.unideploy.image.write.WriteProgress;
import dev.unideploy.image.write.WriteResult;
import dev.unideploy.image.write.Zeros;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.Arrays;

/**
 * Writes a dynamic VHD: footer copy, dynamic header, block allocation table, then only the 2 MiB
 * blocks that hold non-zero data (each behind a sector bitmap with every sector present), then the
 * footer. The table and the footer copy are written last, in place, once the blocks are known.
 */
public final class VhdDynamicWriter implements ImageWriter {
  static final int BLOCK = 2 << 20;
  static final long HEADER_OFFSET = 512;
  static final long TABLE_OFFSET = HEADER_OFFSET + VhdDynamicHeaderWriter.SIZE;

  /** qemu's limit (VHD_MAX_SECTORS): the table's 32-bit sector offsets cap the file at 2 TiB. */
  static final long MAX_SIZE = 2040L << 30;

  private static final byte[] BITMAP = new byte[512];

  static {
    Arrays.fill(BITMAP, (byte) 0xff);
  }

  private record Block(long index, byte[] bytes, boolean zero, byte[] digests) {}

  @Override
  public TargetFormat format() {
    return TargetFormat.VHD_DYNAMIC;
  }

  @Override
  public WriteResult write(
      DiskImage image, FileChannel out, WriteOptions options, WriteProgress progress)
      throws IOException {
    long virtual = image.virtualSize();
    long size = (virtual + 511) / 512 * 512;
    if (size > MAX_SIZE) {
      throw new IOException(
          "a dynamic VHD holds at most 2040 GiB, the disk is "
              + virtual
              + " bytes; write a fixed VHD (vhd-fixed) instead");
    }
    int entries = (int) ((size + BLOCK - 1) / BLOCK);
    long tableBytes = ((long) entries * 4 + 511) / 512 * 512;
    int[] table = new int[entries];
    Arrays.fill(table, -1);
    out.truncate(0);
    ChannelOutput body = new ChannelOutput(out, TABLE_OFFSET + tableBytes);
    ContentFingerprint fingerprint = new ContentFingerprint(virtual);
    BufferPool buffers = new BufferPool(BLOCK, OrderedPipeline.maxInFlight(options.threads()) + 1);
    try (OrderedPipeline<Block> pipeline =
        new OrderedPipeline<>(
            options.threads(),
            b -> {
              fingerprint.add(b.digests());
              if (!b.zero()) {
                table[(int) b.index()] = (int) (body.position() / 512);
                body.write(BITMAP);
                body.write(b.bytes());
              }
              buffers.give(b.bytes());
              progress.advanced(Math.min(virtual, (b.index() + 1) * BLOCK), virtual);
            })) {
      DataUnits.forEach(
          image.extents(),
          virtual,
          BLOCK,
          unit ->
              pipeline.submit(
                  () -> {
                    byte[] bytes = buffers.take();
                    UnitReader.read(image, unit, bytes);
                    boolean zero = Zeros.isZero(bytes, 0, unit.length());
                    byte[] digests =
                        ContentFingerprint.chunkDigests(unit.start(), bytes, unit.length());
                    return new Block(unit.index(), bytes, zero, digests);
                  }));
      pipeline.finish();
    }
    byte[] footer =
        VhdFooterWriter.build(
            VhdFooterWriter.TYPE_DYNAMIC,
            size,
            HEADER_OFFSET,
            options.mtimeEpochSeconds(),
            fingerprint.digest());
    body.write(footer);
    body.flush();
    long length = body.position();
    ByteBuffer bat = ByteBuffer.allocate((int) tableBytes);
    for (int e : table) {
      bat.putInt(e);
    }
    while (bat.hasRemaining()) {
      bat.put((byte) 0xff); // the spec pads the table with unused (all ones) entries
    }
    bat.flip();
    SparseCopier.writeFully(out, TABLE_OFFSET, bat);
    SparseCopier.writeFully(out, 0, ByteBuffer.wrap(footer));
    SparseCopier.writeFully(
        out,
        HEADER_OFFSET,
        ByteBuffer.wrap(VhdDynamicHeaderWriter.build(TABLE_OFFSET, entries, BLOCK)));
    progress.advanced(virtual, virtual);
    return new WriteResult(length, size);
  }
}
