package dev.unideploy.image.write.vmdk;

import dev.unideploy.image.DiskImage;
import dev.unideploy.image.TargetFormat;
import dev.unideploy.image.write.BufferPool;
import dev.unideploy.image.write.ChannelOutput;
import dev.unideploy.image.write.DataUnits;
import dev.unideploy.image.write.DiskSignature;
import dev.unideploy.image.write.ImageWriter;
import dev.unideploy.image.write.OrderedPipeline;
import dev.unideploy.image.write.UnitDigest;
import dev.unideploy.image.write.UnitReader;
import dev.unideploy.image.write.WriteOptions;
import dev.unideploy.image.write.WriteProgress;
import dev.unideploy.image.write.WriteResult;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.util.Arrays;

/**
 * Writes a streamOptimized VMDK in the single-pass layout of the VMware spec ("Stream-Optimized
 * Compressed Sparse Extents"): header (version 3, flags 0x30001, grain directory "at end"),
 * descriptor, then the non-zero grains in ascending LBA order, each behind a grain marker, each
 * grain table right after the grains it covers, the grain directory, the footer and the
 * end-of-stream marker. This is the layout AWS VM import and vSphere accept.
 *
 * <p>Grains are compressed by a small pool in batches of 16 and written in order.
 * https://www.vmware.com/app/vmdk/?src=vmdk (Virtual Disk Format 5.0)
 */
public final class VmdkStreamWriter implements ImageWriter {
  static final int BATCH = 16 * GrainCompressor.GRAIN;
  static final long OVERHEAD_SECTORS = VmdkHeaderWriter.GRAIN_SECTORS;
  static final int MARKER_EOS = 0;
  static final int MARKER_GT = 1;
  static final int MARKER_GD = 2;
  static final int MARKER_FOOTER = 3;
  static final int FLAGS =
      VmdkHeaderWriter.FLAG_VALID_NEWLINE_TEST
          | VmdkHeaderWriter.FLAG_COMPRESSED
          | VmdkHeaderWriter.FLAG_MARKERS;

  private record Batch(long index, byte[][] grains, byte[] digest, long end) {}

  @Override
  public TargetFormat format() {
    return TargetFormat.VMDK_STREAM;
  }

  @Override
  public WriteResult write(
      DiskImage image, FileChannel out, WriteOptions options, WriteProgress progress)
      throws IOException {
    long virtual = image.virtualSize();
    VmdkSparseWriter.checkSize(virtual);
    long capacity = (virtual + 511) / 512;
    long grains = (capacity + VmdkHeaderWriter.GRAIN_SECTORS - 1) / VmdkHeaderWriter.GRAIN_SECTORS;
    int tables = (int) ((grains + VmdkHeaderWriter.GTES_PER_GT - 1) / VmdkHeaderWriter.GTES_PER_GT);
    int cid = VmdkDescriptorWriter.cid(DiskSignature.of(image));
    out.truncate(0);
    ChannelOutput o = new ChannelOutput(out, 0);
    o.write(header(capacity, VmdkHeaderWriter.GD_AT_END));
    o.write(descriptor(cid, capacity, options));
    o.padTo((int) (OVERHEAD_SECTORS * 512));

    GrainTables gts = new GrainTables(o, tables);
    UnitDigest digest = options.digest();
    int level = options.compressionLevel();
    BufferPool buffers = new BufferPool(BATCH, options.threads() + 1);
    try (OrderedPipeline<Batch> pipeline =
        new OrderedPipeline<>(
            options.threads(),
            b -> {
              if (digest != null) {
                digest.add(b.digest());
              }
              long first = b.index() * (BATCH / GrainCompressor.GRAIN);
              for (int g = 0; g < b.grains().length; g++) {
                if (b.grains()[g] != null) {
                  gts.grain(first + g, b.grains()[g]);
                }
              }
              progress.advanced(b.end(), virtual);
            })) {
      DataUnits.forEach(
          image.extents(),
          virtual,
          BATCH,
          unit ->
              pipeline.submit(
                  () -> {
                    byte[] bytes = buffers.take();
                    UnitReader.read(image, unit, bytes);
                    byte[] d = UnitDigest.ofArray(digest, unit.start(), bytes, unit.length());
                    byte[][] compressed = GrainCompressor.compress(bytes, unit.length(), level);
                    buffers.give(bytes);
                    return new Batch(unit.index(), compressed, d, unit.end());
                  }));
      pipeline.finish();
    }
    gts.finishTable();

    long gdSectors = ((long) tables * 4 + 511) / 512;
    o.write(marker(gdSectors, MARKER_GD));
    long gdOffset = o.position() / 512;
    ByteBuffer gd = ByteBuffer.allocate((int) (gdSectors * 512)).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < tables; i++) {
      gd.putInt(gts.directory[i]);
    }
    o.write(gd.array());
    o.write(marker(1, MARKER_FOOTER));
    o.write(header(capacity, gdOffset));
    o.write(new byte[512]); // end-of-stream marker: all zero
    o.flush();
    progress.advanced(virtual, virtual);
    return new WriteResult(o.position(), capacity * 512);
  }

  private static byte[] header(long capacity, long gdOffset) {
    return VmdkHeaderWriter.build(
        3,
        FLAGS,
        capacity,
        1,
        VmdkDescriptorWriter.SECTORS,
        0,
        gdOffset,
        OVERHEAD_SECTORS,
        1 /* deflate */);
  }

  private static byte[] descriptor(int cid, long capacity, WriteOptions options) {
    return VmdkDescriptorWriter.build(cid, "streamOptimized", capacity, options.extentFileName());
  }

  /** A metadata marker sector: {numSectors, size 0, type}, zero-padded. */
  static byte[] marker(long sectors, int type) {
    ByteBuffer b = ByteBuffer.allocate(512).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(sectors).putInt(0).putInt(type);
    return b.array();
  }

  /** Writes grains and, after the last grain each table covers, that table. */
  private static final class GrainTables {
    private final ChannelOutput out;
    final int[] directory;
    private final int[] table = new int[VmdkHeaderWriter.GTES_PER_GT];
    private long current = -1;

    GrainTables(ChannelOutput out, int tables) {
      this.out = out;
      this.directory = new int[tables];
    }

    void grain(long grain, byte[] compressed) throws IOException {
      long gt = grain / VmdkHeaderWriter.GTES_PER_GT;
      if (gt != current) {
        finishTable();
        current = gt;
      }
      long sector = out.position() / 512;
      if (sector > 0xffffffffL) {
        throw new IOException(
            "the streamOptimized VMDK would pass 2 TiB, beyond what its 32-bit grain tables"
                + " address; the disk holds too much incompressible data for this format");
      }
      table[(int) (grain % VmdkHeaderWriter.GTES_PER_GT)] = (int) sector;
      ByteBuffer m = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
      m.putLong(grain * VmdkHeaderWriter.GRAIN_SECTORS).putInt(compressed.length);
      out.write(m.array());
      out.write(compressed);
      out.padTo(512);
    }

    void finishTable() throws IOException {
      if (current < 0) {
        return;
      }
      out.write(marker(4, MARKER_GT));
      directory[(int) current] = (int) (out.position() / 512);
      ByteBuffer t = ByteBuffer.allocate(table.length * 4).order(ByteOrder.LITTLE_ENDIAN);
      for (int e : table) {
        t.putInt(e);
      }
      out.write(t.array());
      Arrays.fill(table, 0);
      current = -1;
    }
  }
}
