package dev.unideploy.image.write.vhd;

import dev.unideploy.image.DiskImage;
import dev.unideploy.image.TargetFormat;
import dev.unideploy.image.read.ZeroFill;
import dev.unideploy.image.write.ContentFingerprint;
import dev.unideploy.image.write.DataUnits;
import dev.unideploy.image.write.DirectBufferPool;
import dev.unideploy.image.write.ImageWriter;
import dev.unideploy.image.write.OrderedPipeline;
import dev.unideploy.image.write.SparseCopier;
import dev.unideploy.image.write.UnitReader;
import dev.unideploy.image.write.WriteOptions;
import dev.unideploy.image.write.WriteProgress;
import dev.unideploy.image.write.WriteResult;
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

  /** A block read by a worker; it is all zero when no chunk has a digest. */
  private record Block(long index, ByteBuffer bytes, byte[] digests) {
    boolean zero() {
      return digests.length == 0;
    }
  }

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
    // Blocks go out with positional writes straight from direct buffers: no copy into a buffered
    // stream, and the bitmap and the block leave in one gathering write.
    long[] body = {TABLE_OFFSET + tableBytes};
    ContentFingerprint fingerprint = new ContentFingerprint(virtual);
    DirectBufferPool buffers =
        new DirectBufferPool(BLOCK, OrderedPipeline.maxInFlight(options.threads()) + 1);
    try (OrderedPipeline<Block> pipeline =
        new OrderedPipeline<>(
            options.threads(),
            b -> {
              fingerprint.add(b.digests());
              if (!b.zero()) {
                table[(int) b.index()] = (int) (body[0] / 512);
                ByteBuffer[] parts = {ByteBuffer.wrap(BITMAP), b.bytes()};
                out.position(body[0]);
                while (parts[1].hasRemaining()) {
                  out.write(parts);
                }
                body[0] += BITMAP.length + BLOCK;
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
                    ByteBuffer bytes = buffers.take();
                    UnitReader.read(image, unit, bytes);
                    byte[] digests = ContentFingerprint.chunkDigests(unit.start(), bytes, null);
                    // A short last block is still a whole block in the file.
                    bytes.position(bytes.limit()).limit(BLOCK);
                    ZeroFill.fill(bytes, BLOCK - bytes.position());
                    return new Block(unit.index(), bytes.flip(), digests);
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
    SparseCopier.writeFully(out, body[0], ByteBuffer.wrap(footer));
    long length = body[0] + footer.length;
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
