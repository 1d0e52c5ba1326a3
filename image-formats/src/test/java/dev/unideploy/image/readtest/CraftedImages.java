package dev.unideploy.image.readtest;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.Deflater;

/**
 * Small, valid images built byte by byte, with every byte of the file needed to read the disk (so
 * any truncation must fail), and the virtual disk they describe. The bad-input corpus mutates them
 * and the fuzz tests use them as seeds.
 */
public final class CraftedImages {

  /** A crafted image file and the exact virtual disk it holds. */
  public record Crafted(byte[] file, byte[] disk) {}

  private CraftedImages() {}

  /** Recognisable, position-dependent, not very compressible bytes. */
  public static byte[] pattern(int length, int seed) {
    byte[] b = new byte[length];
    int x = seed * 0x9E3779B1 + 1;
    for (int i = 0; i < length; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      b[i] = (byte) (i % 64 < 32 ? x : 'a' + (i / 64 + seed) % 26);
    }
    return b;
  }

  // ---------------------------------------------------------------- qcow2

  public static final int QCOW2_CLUSTER = 4096;

  /**
   * qcow2 with 4 KiB clusters and a 64 KiB disk: cluster 0 header, 1 L1, 2 L2, 3 data, 4 a
   * compressed cluster, 5 data. L2: [data, zero flag, unallocated, compressed, data].
   *
   * @param version 2 or 3 (v2 has no zero flag: entry 1 is then unallocated too)
   * @param zstd compression type 1 (v3 only)
   */
  public static Crafted qcow2(int version, boolean zstd) {
    int cs = QCOW2_CLUSTER;
    long size = 64 * 1024;
    ByteBuffer f = ByteBuffer.allocate(6 * cs);
    f.putInt(0, 0x514649fb).putInt(4, version);
    f.putInt(20, 12).putLong(24, size);
    f.putInt(36, 1).putLong(40, cs); // l1_size, l1_table_offset
    f.putLong(48, 0).putInt(56, 0); // no refcount table: readers must not need it
    if (version == 3) {
      f.putLong(72, zstd ? 1L << 3 : 0).putInt(96, 4).putInt(100, 112);
      f.put(104, (byte) (zstd ? 1 : 0));
    }
    f.putLong(cs, (1L << 63) | 2L * cs); // L1[0] -> L2 at cluster 2
    byte[] a = pattern(cs, 1);
    byte[] b = compressiblePattern(cs, 2);
    byte[] c = pattern(cs, 3);
    byte[] compressed = zstd ? zstdFrame(b) : rawDeflate(b);
    if (compressed.length > cs - 100) {
      throw new IllegalStateException("test pattern did not compress");
    }
    int coffset = 4 * cs + 100; // unaligned on purpose, as qemu packs them
    int sectors = ((coffset + compressed.length - 1) / 512 - coffset / 512); // additional
    int shift = 62 - (12 - 8);
    long l2 = 2L * cs;
    f.putLong((int) l2, (1L << 63) | 3L * cs);
    f.putLong((int) l2 + 8, version == 3 ? 1L : 0L);
    f.putLong((int) l2 + 16, 0L);
    f.putLong((int) l2 + 24, (1L << 62) | ((long) sectors << shift) | coffset);
    f.putLong((int) l2 + 32, (1L << 63) | 5L * cs);
    f.put(3 * cs, a).put(coffset, compressed).put(5 * cs, c);
    byte[] disk = new byte[(int) size];
    System.arraycopy(a, 0, disk, 0, cs);
    System.arraycopy(b, 0, disk, 3 * cs, cs);
    System.arraycopy(c, 0, disk, 4 * cs, cs);
    return new Crafted(f.array(), disk);
  }

  /**
   * qcow2 v3 whose {@code entries} clusters are all compressed, each a cluster of one repeated byte
   * (0x41 + i % 26): cluster 0 header, 1 L1, 2 the L2 table, then the deflate streams packed one
   * after the other from cluster 3, as qemu packs them. With {@code aliased}, every L2 entry points
   * at the first stream instead, as a crafted file would (the disk then holds 0x41 throughout).
   *
   * @param clusterBits 12 to 21
   * @param entries at most one L2 table's worth: 2^(clusterBits - 3)
   */
  public static Crafted qcow2Compressed(int clusterBits, int entries, boolean aliased) {
    int cs = 1 << clusterBits;
    byte[][] streams = new byte[aliased ? 1 : entries][];
    int total = 0;
    for (int i = 0; i < streams.length; i++) {
      byte[] cluster = new byte[cs];
      Arrays.fill(cluster, (byte) (0x41 + i % 26));
      streams[i] = rawDeflate(cluster);
      total += streams[i].length;
    }
    ByteBuffer f = ByteBuffer.allocate(3 * cs + (total + 511) / 512 * 512);
    f.putInt(0, 0x514649fb).putInt(4, 3);
    f.putInt(20, clusterBits).putLong(24, (long) entries * cs);
    f.putInt(36, 1).putLong(40, cs);
    f.putLong(72, 0).putInt(96, 4).putInt(100, 104);
    f.putLong(cs, (1L << 63) | 2L * cs);
    int shift = 62 - (clusterBits - 8);
    byte[] disk = new byte[(int) Math.min((long) entries * cs, 1 << 20)];
    int at = 3 * cs;
    for (int i = 0; i < entries; i++) {
      byte[] stream = streams[aliased ? 0 : i];
      int offset = aliased ? 3 * cs : at;
      if (!aliased || i == 0) {
        f.put(offset, stream);
        at += stream.length;
      }
      long additional = (offset + stream.length - 1) / 512 - offset / 512;
      f.putLong(2 * cs + 8 * i, (1L << 62) | (additional << shift) | offset);
      if ((long) i * cs < disk.length) {
        int end = Math.min(disk.length, (i + 1) * cs);
        Arrays.fill(disk, i * cs, end, (byte) (0x41 + (aliased ? 0 : i % 26)));
      }
    }
    return new Crafted(f.array(), disk);
  }

  static byte[] compressiblePattern(int length, int seed) {
    byte[] b = new byte[length];
    for (int i = 0; i < length; i++) {
      b[i] =
          (byte) ("unideploy reads qcow2 " + seed).charAt(i % (22 + String.valueOf(seed).length()));
    }
    return b;
  }

  static byte[] rawDeflate(byte[] data) {
    return deflate(data, true);
  }

  static byte[] zlib(byte[] data) {
    return deflate(data, false);
  }

  private static byte[] deflate(byte[] data, boolean nowrap) {
    Deflater d = new Deflater(Deflater.BEST_COMPRESSION, nowrap);
    d.setInput(data);
    d.finish();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buf = new byte[8192];
    while (!d.finished()) {
      out.write(buf, 0, d.deflate(buf));
    }
    d.end();
    return out.toByteArray();
  }

  static byte[] zstdFrame(byte[] data) {
    io.airlift.compress.zstd.ZstdCompressor z = new io.airlift.compress.zstd.ZstdCompressor();
    byte[] out = new byte[z.maxCompressedLength(data.length)];
    int n = z.compress(data, 0, data.length, out, 0, out.length);
    return Arrays.copyOf(out, n);
  }

  // ---------------------------------------------------------------- VHD

  /** VHD dynamic, 16 KiB disk in 4 KiB blocks: block 0 full, block 2 with sectors 0 and 2 only. */
  public static Crafted vhdDynamic() {
    int block = 4096;
    long size = 16 * 1024;
    ByteBuffer f = ByteBuffer.allocate(11776);
    byte[] footer = vhdFooter(size, 3, 512);
    f.put(0, footer);
    ByteBuffer h = ByteBuffer.allocate(1024);
    h.put(0, "cxsparse".getBytes(StandardCharsets.US_ASCII));
    h.putLong(8, -1L).putLong(16, 1536).putInt(24, 0x00010000).putInt(28, 4).putInt(32, block);
    h.putInt(36, vhdChecksum(h.array(), 36));
    f.put(512, h.array());
    f.putInt(1536, 2048 / 512).putInt(1540, -1).putInt(1544, 6656 / 512).putInt(1548, -1);
    byte[] d0 = pattern(block, 4);
    byte[] d2 = pattern(block, 5);
    f.put(2048, (byte) 0xff).put(2048 + 512, d0);
    f.put(6656, (byte) 0b1010_0000).put(6656 + 512, d2);
    f.put(11264, footer);
    byte[] disk = new byte[(int) size];
    System.arraycopy(d0, 0, disk, 0, block);
    System.arraycopy(d2, 0, disk, 2 * block, 512);
    System.arraycopy(d2, 1024, disk, 2 * block + 1024, 512);
    return new Crafted(f.array(), disk);
  }

  /** VHD fixed, 16 KiB of data then the footer. */
  public static Crafted vhdFixed() {
    int size = 16 * 1024;
    byte[] data = pattern(size, 6);
    Arrays.fill(data, 4096, 8192, (byte) 0);
    ByteBuffer f = ByteBuffer.allocate(size + 512);
    f.put(0, data).put(size, vhdFooter(size, 2, -1));
    return new Crafted(f.array(), data);
  }

  /** A VHD footer with creator "qem2" (size from current_size), checksummed. */
  public static byte[] vhdFooter(long size, int type, long dataOffset) {
    ByteBuffer b = ByteBuffer.allocate(512);
    b.put(0, "conectix".getBytes(StandardCharsets.US_ASCII));
    b.putInt(8, 2).putInt(12, 0x00010000).putLong(16, dataOffset);
    b.put(28, "qem2".getBytes(StandardCharsets.US_ASCII));
    b.putLong(40, size).putLong(48, size);
    b.putShort(56, (short) 1).put(58, (byte) 4).put(59, (byte) 17);
    b.putInt(60, type);
    b.putInt(64, vhdChecksum(b.array(), 64));
    return b.array();
  }

  public static int vhdChecksum(byte[] bytes, int at) {
    int sum = 0;
    for (int i = 0; i < bytes.length; i++) {
      if (i < at || i >= at + 4) {
        sum += bytes[i] & 0xff;
      }
    }
    return ~sum;
  }

  // ---------------------------------------------------------------- VMDK

  /**
   * monolithicSparse: 32 KiB disk, 4 KiB grains. Sectors: 0 header, 1-2 descriptor, 3 GD, 4-7 GT,
   * 8-15 grain 0, 16-23 grain 3. GT: [8, 0, 1 (zeroed), 16, 0...].
   */
  public static Crafted vmdkSparse() {
    ByteBuffer f = ByteBuffer.allocate(24 * 512).order(ByteOrder.LITTLE_ENDIAN);
    f.put(0, vmdkHeader(1, 1, 64, 1, 2, 3));
    byte[] descriptor = descriptor("monolithicSparse", "RW 64 SPARSE \"crafted.vmdk\"");
    f.put(512, descriptor);
    f.putInt(3 * 512, 4);
    f.putInt(4 * 512, 8).putInt(4 * 512 + 8, 1).putInt(4 * 512 + 12, 16);
    byte[] g0 = pattern(4096, 7);
    byte[] g3 = pattern(4096, 8);
    f.put(8 * 512, g0).put(16 * 512, g3);
    byte[] disk = new byte[32 * 1024];
    System.arraycopy(g0, 0, disk, 0, 4096);
    System.arraycopy(g3, 0, disk, 3 * 4096, 4096);
    return new Crafted(f.array(), disk);
  }

  /**
   * streamOptimized in the canonical stream layout: header with GD_AT_END, descriptor, grain
   * markers with zlib data, GT marker + GT, GD marker + GD, footer marker + footer, EOS marker.
   */
  public static Crafted vmdkStream() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    write(out, vmdkHeader(3, 0x30001, 64, 1, 1, -1));
    write(out, pad(descriptor("streamOptimized", "RW 64 SPARSE \"crafted.vmdk\"")));
    byte[] g1 = compressiblePattern(4096, 9);
    byte[] g5 = pattern(4096, 10);
    int[] gt = new int[512];
    gt[1] = out.size() / 512;
    write(out, grain(8, g1));
    gt[5] = out.size() / 512;
    write(out, grain(40, g5));
    gt[6] = 1; // zeroed grain
    write(out, marker(4, 1));
    int gtSector = out.size() / 512;
    ByteBuffer gtBytes = ByteBuffer.allocate(2048).order(ByteOrder.LITTLE_ENDIAN);
    gtBytes.asIntBuffer().put(gt);
    write(out, gtBytes.array());
    write(out, marker(1, 2));
    int gdSector = out.size() / 512;
    ByteBuffer gd = ByteBuffer.allocate(512).order(ByteOrder.LITTLE_ENDIAN).putInt(0, gtSector);
    write(out, gd.array());
    write(out, marker(1, 3));
    write(out, vmdkHeader(3, 0x30001, 64, 1, 1, gdSector));
    write(out, marker(0, 0));
    byte[] disk = new byte[32 * 1024];
    System.arraycopy(g1, 0, disk, 4096, 4096);
    System.arraycopy(g5, 0, disk, 5 * 4096, 4096);
    return new Crafted(out.toByteArray(), disk);
  }

  static byte[] vmdkHeader(
      int version, int flags, long capacity, long descSector, long descSectors, long gdSector) {
    ByteBuffer h = ByteBuffer.allocate(512).order(ByteOrder.LITTLE_ENDIAN);
    h.putInt(0, 0x564d444b).putInt(4, version).putInt(8, flags);
    h.putLong(12, capacity).putLong(20, 8).putLong(28, descSector).putLong(36, descSectors);
    h.putInt(44, 512).putLong(48, 0).putLong(56, gdSector).putLong(64, 8);
    h.put(73, (byte) '\n').put(74, (byte) ' ').put(75, (byte) '\r').put(76, (byte) '\n');
    h.putShort(77, (short) ((flags & 0x10000) != 0 ? 1 : 0));
    return h.array();
  }

  public static byte[] descriptor(String createType, String extentLine) {
    String text =
        "# Disk DescriptorFile\nversion=1\nCID=12345678\nparentCID=ffffffff\ncreateType=\""
            + createType
            + "\"\n\n# Extent description\n"
            + extentLine
            + "\n\nddb.virtualHWVersion = \"4\"\n";
    return text.getBytes(StandardCharsets.US_ASCII);
  }

  private static byte[] grain(long lba, byte[] data) {
    byte[] z = zlib(data);
    ByteBuffer b = ByteBuffer.allocate(12 + z.length).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(lba).putInt(z.length).put(z);
    return pad(b.array());
  }

  private static byte[] marker(long sectors, int type) {
    ByteBuffer b = ByteBuffer.allocate(512).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(0, sectors).putInt(8, 0).putInt(12, type);
    return b.array();
  }

  private static byte[] pad(byte[] b) {
    return Arrays.copyOf(b, (b.length + 511) / 512 * 512);
  }

  private static void write(ByteArrayOutputStream out, byte[] b) {
    out.write(b, 0, b.length);
  }
}
