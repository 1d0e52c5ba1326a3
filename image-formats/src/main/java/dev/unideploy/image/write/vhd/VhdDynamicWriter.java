package dev.unideploy.image.write.vhd;

import dev.unideploy.image.DiskImage;
import dev.unideploy.image.StoredRun;
import dev.unideploy.image.TargetFormat;
import dev.unideploy.image.read.ZeroFill;
import dev.unideploy.image.write.DataUnit;
import dev.unideploy.image.write.DataUnits;
import dev.unideploy.image.write.DirectBufferPool;
import dev.unideploy.image.write.DiskSignature;
import dev.unideploy.image.write.ImageWriter;
import dev.unideploy.image.write.KernelCopy;
import dev.unideploy.image.write.OrderedPipeline;
import dev.unideploy.image.write.SparseCopier;
import dev.unideploy.image.write.UnitDigest;
import dev.unideploy.image.write.UnitReader;
import dev.unideploy.image.write.WriteOptions;
import dev.unideploy.image.write.WriteProgress;
import dev.unideploy.image.write.WriteResult;
import dev.unideploy.image.write.Zeros;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.Arrays;
import java.util.List;

/**
 * Writes a dynamic VHD: footer copy, dynamic header, block allocation table, then only the 2 MiB
 * blocks that hold data (each behind a sector bitmap with every sector present), then the footer.
 * The table and the footer copy are written last, in place, once the blocks are known. A block the
 * image file stores as is gets its data copied by the kernel (see {@link KernelCopy}); a block that
 * is read is left out when all its bytes are zero.
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

  /**
   * A block ready to write: the runs the kernel copies, or the bytes a worker read (null when they
   * are all zero) and their digest if one is wanted.
   */
  private record Block(DataUnit unit, List<StoredRun> runs, ByteBuffer bytes, byte[] digest) {}

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
    // Blocks the file stores as is are copied by the kernel; others go out with positional writes
    // straight from direct buffers, the bitmap and the block in one gathering write.
    long[] body = {TABLE_OFFSET + tableBytes};
    DiskSignature.Pending id = DiskSignature.start(image);
    UnitDigest digest = options.digest();
    KernelCopy kernel = new KernelCopy(image.storage(), out);
    DirectBufferPool buffers =
        new DirectBufferPool(BLOCK, OrderedPipeline.maxInFlight(options.threads()) + 1);
    try (OrderedPipeline<Block> pipeline =
        new OrderedPipeline<>(
            options.threads(),
            b -> {
              DataUnit unit = b.unit();
              if (digest != null && b.digest() != null) {
                digest.add(b.digest());
              }
              if (b.runs() != null) {
                table[(int) unit.index()] = (int) (body[0] / 512);
                SparseCopier.writeFully(out, body[0], ByteBuffer.wrap(BITMAP));
                long data = body[0] + BITMAP.length;
                kernel.add(b.runs(), unit.start(), unit.end(), data);
                body[0] += BITMAP.length + BLOCK;
              } else if (b.bytes() != null) {
                table[(int) unit.index()] = (int) (body[0] / 512);
                ByteBuffer[] parts = {ByteBuffer.wrap(BITMAP), b.bytes()};
                out.position(body[0]);
                while (parts[1].hasRemaining()) {
                  out.write(parts);
                }
                body[0] += BITMAP.length + BLOCK;
                buffers.give(b.bytes());
              }
              progress.advanced(Math.min(virtual, unit.end()), virtual);
            })) {
      DataUnits.forEach(
          image.extents(),
          virtual,
          BLOCK,
          unit -> {
            List<StoredRun> runs = digest == null ? KernelCopy.runs(image, unit) : null;
            if (runs != null) {
              pipeline.submitDone(new Block(unit, runs, null, null));
              return;
            }
            pipeline.submit(
                () -> {
                  ByteBuffer bytes = buffers.take();
                  UnitReader.read(image, unit, bytes);
                  byte[] d = digest == null ? null : digest.digest(unit.start(), bytes, null);
                  if (Zeros.isZero(bytes, 0, bytes.limit())) {
                    buffers.give(bytes);
                    return new Block(unit, null, null, d);
                  }
                  // A short last block is still a whole block in the file.
                  bytes.position(bytes.limit()).limit(BLOCK);
                  ZeroFill.fill(bytes, BLOCK - bytes.position());
                  return new Block(unit, null, bytes.flip(), d);
                });
          });
      pipeline.finish();
    }
    kernel.flush();
    byte[] footer =
        VhdFooterWriter.build(
            VhdFooterWriter.TYPE_DYNAMIC,
            size,
            HEADER_OFFSET,
            options.mtimeEpochSeconds(),
            id.get());
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
