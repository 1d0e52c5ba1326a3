package dev.unideploy.image.digest;

import dev.unideploy.image.Digests;
import dev.unideploy.image.DiskImage;
import dev.unideploy.image.write.DigestPass;
import dev.unideploy.image.write.UnitDigest;
import dev.unideploy.image.write.WriteProgress;
import dev.unideploy.image.write.Zeros;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * The content hash that identifies an image (publish tags every image with it and finds earlier
 * uploads by it): a SHA-256 whose cost follows the data, not the disk's size.
 *
 * <p>Definition. Cut the virtual disk into chunks of 64 KiB (the last one may be shorter); leave
 * out every chunk whose bytes are all zero; the hash is
 *
 * <pre>
 * SHA-256( "unideploy-sparse-sha256-v1" || le64(virtual size)
 *          || for each remaining chunk, in ascending order: le64(chunk index) || SHA-256(chunk) )
 * </pre>
 *
 * printed as 64 lower-case hex digits. It depends on the bytes of the virtual disk only: a raw file
 * and the qcow2, VMDK or VHD made from it, sparse or not, with zeroes stored as holes, zero
 * clusters, unallocated blocks or written zero bytes, all hash the same. Zero chunks are found in
 * the extent map without reading them, and cost nothing; the chunks of a data extent are read once,
 * checked for zeroes and hashed on a pool of threads, in any order, since each chunk's digest
 * stands alone.
 *
 * <p>It is not the SHA-256 of the disk ({@code sha256sum} of the raw file), which has to hash every
 * zero byte (12 s for a 16 GiB disk here): {@link dev.unideploy.image.ContentHash} computes that
 * one on request.
 */
public final class SparseContentHash implements UnitDigest {
  /** The chunk size: 64 KiB. */
  public static final int CHUNK = 64 * 1024;

  private static final int ENTRY = 8 + 32;

  private final MessageDigest total = Digests.sha256();

  public SparseContentHash(long virtualSize) {
    total.update("unideploy-sparse-sha256-v1".getBytes(StandardCharsets.US_ASCII));
    total.update(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(virtualSize).flip());
  }

  /** The content hash of {@code image}, reading its data with {@code threads} threads. */
  public static String of(DiskImage image, int threads, WriteProgress progress) throws IOException {
    SparseContentHash hash = new SparseContentHash(image.virtualSize());
    DigestPass.run(image, hash, threads, progress);
    return hash.hex();
  }

  /** {@link #of(DiskImage, int, WriteProgress)} with one thread per core (at most 8). */
  public static String of(DiskImage image) throws IOException {
    int threads = Math.max(1, Math.min(8, Runtime.getRuntime().availableProcessors()));
    return of(image, threads, WriteProgress.NONE);
  }

  @Override
  public byte[] digest(long unitStart, ByteBuffer bytes, long[] zeroPages) {
    if (unitStart % CHUNK != 0) {
      throw new IllegalArgumentException("units must start on a 64 KiB boundary: " + unitStart);
    }
    int length = bytes.limit();
    ByteBuffer out =
        ByteBuffer.allocate(((length + CHUNK - 1) / CHUNK) * ENTRY).order(ByteOrder.LITTLE_ENDIAN);
    MessageDigest chunk = null;
    for (int off = 0; off < length; off += CHUNK) {
      int n = Math.min(CHUNK, length - off);
      boolean zero =
          zeroPages != null
              ? Zeros.allSet(zeroPages, off / Zeros.PAGE, (n + Zeros.PAGE - 1) / Zeros.PAGE)
              : Zeros.isZero(bytes, off, n);
      if (zero) {
        continue;
      }
      if (chunk == null) {
        chunk = Digests.sha256();
      }
      chunk.update(bytes.duplicate().limit(off + n).position(off));
      out.putLong((unitStart + off) / CHUNK).put(chunk.digest());
    }
    byte[] entries = new byte[out.position()];
    out.flip().get(entries);
    return entries;
  }

  @Override
  public void add(byte[] unitDigest) {
    total.update(unitDigest);
  }

  /** The hash, as 64 lower-case hex digits; call once, after the last {@link #add}. */
  public String hex() {
    return HexFormat.of().formatHex(total.digest());
  }
}
