package dev.unideploy.image.write.vmdk;

import dev.unideploy.image.DiskImage;
import dev.unideploy.image.StoredRun;
import dev.unideploy.image.TargetFormat;
import dev.unideploy.image.write.BufferPool;
import dev.unideploy.image.write.ChannelOutput;
import dev.unideploy.image.write.DataUnit;
import dev.unideploy.image.write.DataUnits;
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
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.util.Arrays;
import java.util.List;

/**
 * Writes a monolithicSparse VMDK (hosted sparse extent, version 1, redundant grain tables) in the
 * layout qemu and VMware Workstation use: header, descriptor, redundant grain directory and tables,
 * grain directory and tables, then the grains that hold data, uncompressed, in ascending LBA order.
 * All tables are preallocated, so each is written once, in place, when its grains are done. Grains
 * the image file stores as is are copied by the kernel (see {@link KernelCopy}), consecutive ones
 * in one call; grains that are read are left out when all their bytes are zero.
 */
public final class VmdkSparseWriter implements ImageWriter {
  static final int BATCH = 16 * GrainCompressor.GRAIN;
  static final int GT_SECTORS = VmdkHeaderWriter.GTES_PER_GT * 4 / 512;

  /** Hosted sparse extents address grains with 32-bit sector numbers. */
  static final long MAX_SIZE = 2L << 40;

  /**
   * A batch of grains ready to write: the runs the kernel copies, or the bytes a worker read and
   * their digest if one is wanted.
   */
  private record Batch(DataUnit unit, List<StoredRun> runs, byte[] bytes, byte[] digest) {}

  @Override
  public TargetFormat format() {
    return TargetFormat.VMDK_SPARSE;
  }

  @Override
  public WriteResult write(
      DiskImage image, FileChannel out, WriteOptions options, WriteProgress progress)
      throws IOException {
    long virtual = image.virtualSize();
    checkSize(virtual);
    long capacity = (virtual + 511) / 512;
    long grains = (capacity + VmdkHeaderWriter.GRAIN_SECTORS - 1) / VmdkHeaderWriter.GRAIN_SECTORS;
    int tables = (int) ((grains + VmdkHeaderWriter.GTES_PER_GT - 1) / VmdkHeaderWriter.GTES_PER_GT);
    long gdSectors = ((long) tables * 4 + 511) / 512;
    long rgdOffset = 1 + VmdkDescriptorWriter.SECTORS;
    long rgtOffset = rgdOffset + gdSectors;
    long gdOffset = rgtOffset + (long) tables * GT_SECTORS;
    long gtOffset = gdOffset + gdSectors;
    long overhead =
        (gtOffset + (long) tables * GT_SECTORS + VmdkHeaderWriter.GRAIN_SECTORS - 1)
            / VmdkHeaderWriter.GRAIN_SECTORS
            * VmdkHeaderWriter.GRAIN_SECTORS;

    out.truncate(0);
    SparseCopier.writeFully(
        out, 0, ByteBuffer.wrap(header(capacity, rgdOffset, gdOffset, overhead)));
    SparseCopier.writeFully(out, rgdOffset * 512, directory(tables, gdSectors, rgtOffset));
    SparseCopier.writeFully(out, gdOffset * 512, directory(tables, gdSectors, gtOffset));

    ChannelOutput grainsOut = new ChannelOutput(out, overhead * 512);
    int[] table = new int[VmdkHeaderWriter.GTES_PER_GT];
    long[] current = {-1};
    DiskSignature.Pending id = DiskSignature.start(image);
    UnitDigest digest = options.digest();
    KernelCopy kernel = new KernelCopy(image.storage(), out);
    BufferPool buffers = new BufferPool(BATCH, OrderedPipeline.maxInFlight(options.threads()) + 1);
    try (OrderedPipeline<Batch> pipeline =
        new OrderedPipeline<>(
            options.threads(),
            b -> {
              DataUnit unit = b.unit();
              if (digest != null) {
                digest.add(b.digest());
              }
              int perBatch = BATCH / GrainCompressor.GRAIN;
              for (int g = 0; g * GrainCompressor.GRAIN < unit.length(); g++) {
                int off = g * GrainCompressor.GRAIN;
                int n = Math.min(GrainCompressor.GRAIN, unit.length() - off);
                long grainStart = unit.start() + off;
                boolean present =
                    b.runs() != null
                        ? overlaps(unit.dataParts(), grainStart, grainStart + n)
                        : !Zeros.isZero(b.bytes(), off, n);
                if (!present) {
                  continue;
                }
                long grain = unit.index() * perBatch + g;
                long gt = grain / VmdkHeaderWriter.GTES_PER_GT;
                if (gt != current[0]) {
                  writeTable(out, current[0], table, rgtOffset, gtOffset);
                  current[0] = gt;
                }
                table[(int) (grain % VmdkHeaderWriter.GTES_PER_GT)] =
                    (int) (grainsOut.position() / 512);
                if (b.runs() != null) {
                  long at = grainsOut.position();
                  grainsOut.skip(GrainCompressor.GRAIN);
                  kernel.add(b.runs(), grainStart, grainStart + n, at);
                } else {
                  grainsOut.write(b.bytes(), off, GrainCompressor.GRAIN);
                }
              }
              buffers.give(b.bytes());
              progress.advanced(unit.end(), virtual);
            })) {
      DataUnits.forEach(
          image.extents(),
          virtual,
          BATCH,
          unit -> {
            List<StoredRun> runs = digest == null ? KernelCopy.runs(image, unit) : null;
            if (runs != null) {
              pipeline.submitDone(new Batch(unit, runs, null, null));
              return;
            }
            pipeline.submit(
                () -> {
                  byte[] bytes = buffers.take();
                  UnitReader.read(image, unit, bytes);
                  byte[] d = UnitDigest.ofArray(digest, unit.start(), bytes, unit.length());
                  return new Batch(unit, null, bytes, d);
                });
          });
      pipeline.finish();
    }
    writeTable(out, current[0], table, rgtOffset, gtOffset);
    grainsOut.flush();
    kernel.flush();
    long length = Math.max(grainsOut.position(), overhead * 512);
    SparseCopier.setLength(out, length);
    int cid = VmdkDescriptorWriter.cid(id.get());
    SparseCopier.writeFully(
        out,
        512,
        ByteBuffer.wrap(
            VmdkDescriptorWriter.build(
                cid, "monolithicSparse", capacity, options.extentFileName())));
    progress.advanced(virtual, virtual);
    return new WriteResult(length, capacity * 512);
  }

  /** Whether any of the (offset, length) pairs in {@code parts} overlaps {@code [from, to)}. */
  private static boolean overlaps(long[] parts, long from, long to) {
    for (int i = 0; i < parts.length; i += 2) {
      if (parts[i] < to && parts[i] + parts[i + 1] > from) {
        return true;
      }
    }
    return false;
  }

  static void checkSize(long virtual) throws IOException {
    if (virtual > MAX_SIZE) {
      throw new IOException(
          "a sparse VMDK holds at most 2 TiB, the disk is "
              + virtual
              + " bytes; split the disk or use another format (raw, vhd-fixed)");
    }
  }

  private static byte[] header(long capacity, long rgdOffset, long gdOffset, long overhead) {
    return VmdkHeaderWriter.build(
        1,
        VmdkHeaderWriter.FLAG_VALID_NEWLINE_TEST | VmdkHeaderWriter.FLAG_REDUNDANT_GRAIN_TABLE,
        capacity,
        1,
        VmdkDescriptorWriter.SECTORS,
        rgdOffset,
        gdOffset,
        overhead,
        0);
  }

  private static ByteBuffer directory(int tables, long gdSectors, long firstTable) {
    ByteBuffer b = ByteBuffer.allocate((int) (gdSectors * 512)).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < tables; i++) {
      b.putInt((int) (firstTable + (long) i * GT_SECTORS));
    }
    return b.flip();
  }

  /** Writes a finished table to both copies and clears it. */
  private static void writeTable(
      FileChannel out, long gt, int[] table, long rgtOffset, long gtOffset) throws IOException {
    if (gt < 0) {
      return;
    }
    ByteBuffer b = ByteBuffer.allocate(table.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (int e : table) {
      b.putInt(e);
    }
    b.flip();
    SparseCopier.writeFully(out, (rgtOffset + gt * GT_SECTORS) * 512, b.duplicate());
    SparseCopier.writeFully(out, (gtOffset + gt * GT_SECTORS) * 512, b);
    Arrays.fill(table, 0);
  }
}
