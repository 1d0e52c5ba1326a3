package dev.unideploy.image.qcow2;

import dev.unideploy.image.Extent;
import dev.unideploy.image.ImageFormat;
import dev.unideploy.image.StoredRun;
import dev.unideploy.image.read.FileBackedDiskImage;
import dev.unideploy.image.read.ReaderLimits;
import dev.unideploy.image.read.SourceFile;
import dev.unideploy.image.read.TableCache;
import dev.unideploy.image.read.ZeroFill;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * Random reads of a qcow2 image's active layer: L1 in memory, L2 tables and decompressed clusters
 * in small bounded caches, data by positional reads (contiguous host clusters in one read).
 */
final class Qcow2DiskImage extends FileBackedDiskImage {
  private final Qcow2Header header;
  private final long[] l1;
  private final TableCache<long[]> l2Cache;
  private final TableCache<byte[]> clusterCache;
  private final Qcow2ClusterDecompressor decompressor;
  private final int bits;
  private final long clusterMask;

  Qcow2DiskImage(
      SourceFile file,
      Qcow2Header header,
      long[] l1,
      List<Extent> extents,
      Map<String, Object> details) {
    super(
        file,
        ImageFormat.QCOW2,
        header.virtualSize(),
        extents,
        Collections.unmodifiableMap(details));
    this.header = header;
    this.l1 = l1;
    this.bits = header.clusterBits();
    this.clusterMask = header.clusterSize() - 1L;
    this.l2Cache =
        new TableCache<>(
            header.clusterSize(),
            ReaderLimits.TABLE_CACHE_BYTES,
            offset -> Qcow2Reader.readL2(file, header, offset));
    this.decompressor =
        new Qcow2ClusterDecompressor(file.path(), header.compressionType(), header.clusterSize());
    this.clusterCache =
        new TableCache<>(header.clusterSize(), 8L * 1024 * 1024, this::loadCompressed);
  }

  @Override
  public boolean storedRuns(long offset, long length, List<StoredRun> out) throws IOException {
    long pos = offset;
    long end = offset + length;
    while (pos < end) {
      long entry = entryFor(pos >>> bits);
      if (Qcow2L2Entry.isCompressed(entry) || Qcow2L2Entry.isZero(entry)) {
        return false;
      }
      int inCluster = (int) (pos & clusterMask);
      int n = (int) Math.min(end - pos, header.clusterSize() - inCluster);
      addRun(out, pos, Qcow2L2Entry.hostOffset(entry) + inCluster, n);
      pos += n;
    }
    return true;
  }

  @Override
  protected void readWithin(long offset, ByteBuffer dst, int total) throws IOException {
    long pos = offset;
    long end = offset + total;
    while (pos < end) {
      long entry = entryFor(pos >>> bits);
      int inCluster = (int) (pos & clusterMask);
      int n = (int) Math.min(end - pos, header.clusterSize() - inCluster);
      if (Qcow2L2Entry.isCompressed(entry)) {
        dst.put(clusterCache.get(entry), inCluster, n);
      } else if (Qcow2L2Entry.isZero(entry)) {
        ZeroFill.fill(dst, n);
      } else {
        long host = Qcow2L2Entry.hostOffset(entry) + inCluster;
        // Extend over following clusters that sit right after this one in the file.
        while (pos + n < end) {
          long next = entryFor((pos + n) >>> bits);
          if (Qcow2L2Entry.isCompressed(next)
              || Qcow2L2Entry.isZero(next)
              || Qcow2L2Entry.hostOffset(next) != host + n) {
            break;
          }
          n += (int) Math.min(end - pos - n, header.clusterSize());
        }
        copyFromFile(host, dst, n);
      }
      pos += n;
    }
  }

  private long entryFor(long cluster) throws IOException {
    int l1Index = (int) (cluster >>> (bits - 3));
    long l2Offset = Qcow2L2Entry.hostOffset(l1[l1Index]);
    if (l2Offset == 0) {
      return 0;
    }
    return l2Cache.get(l2Offset)[(int) (cluster & ((1L << (bits - 3)) - 1))];
  }

  private byte[] loadCompressed(long entry) throws IOException {
    long host = Qcow2L2Entry.compressedOffset(entry, bits);
    int length = Qcow2L2Entry.compressedLength(entry, bits);
    // The last compressed cluster's sector-rounded range may run past the end of the file.
    ByteBuffer compressed = ByteBuffer.allocate(length);
    file.readZeroPadded(host, compressed);
    return decompressor.decompress(compressed.array(), host);
  }
}
