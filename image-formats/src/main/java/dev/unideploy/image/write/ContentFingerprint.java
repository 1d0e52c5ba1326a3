package dev.unideploy.image.write;

import dev.unideploy.image.Digests;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.zip.CRC32;
import java.util.zip.CRC32C;

/**
 * A SHA-256 over the virtual size and every non-zero 64 KiB chunk (its index and a 64-bit chunk
 * check: its CRC-32C and CRC-32), from which writers derive the ids a format wants (VMDK CID, VHD
 * unique id) so the same contents always give the same bytes. Zero chunks are skipped, so the
 * fingerprint depends on the contents only (not on how a reader split them into extents) and costs
 * time in proportion to the data, not the disk size.
 *
 * <p>The per-chunk check is two CRCs rather than a SHA-256 because the ids only have to differ
 * between different disks, not resist forgery, and both CRCs are CPU intrinsics (about 10x the
 * speed of SHA-256 here): the fingerprint pass was a third of the CPU of a VHD conversion.
 *
 * <p>Chunk digests are computed by the worker threads ({@link #chunkDigests}); {@link #add} must be
 * called in ascending chunk order.
 */
public final class ContentFingerprint {
  /** The chunk size; every writer's unit is a multiple of it and aligned to it. */
  public static final int CHUNK = 64 * 1024;

  /** Bytes per chunk entry: index (8), CRC-32C (4), CRC-32 (4). */
  static final int ENTRY = 16;

  private final MessageDigest total = Digests.sha256();
  private final ByteBuffer index = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);

  public ContentFingerprint(long virtualSize) {
    total.update("unideploy-content-v2".getBytes(StandardCharsets.US_ASCII));
    index.clear();
    index.putLong(virtualSize).flip();
    total.update(index);
  }

  /**
   * Digests the non-zero chunks of a unit's bytes: a flat array of (chunk index, CRC-32C, CRC-32)
   * entries, {@value #ENTRY} bytes each.
   */
  public static byte[] chunkDigests(long unitStart, byte[] buf, int length) {
    return chunkDigests(unitStart, ByteBuffer.wrap(buf, 0, length), null);
  }

  /**
   * {@link #chunkDigests(long, byte[], int)} for the bytes of {@code buf} between 0 and its limit;
   * {@code zeroPages}, when non-null, says which 4 KiB pages are known zero (see {@link
   * Zeros#zeroPages}) so no chunk is scanned twice.
   */
  public static byte[] chunkDigests(long unitStart, ByteBuffer buf, long[] zeroPages) {
    int length = buf.limit();
    ByteBuffer out = ByteBuffer.allocate(((length + CHUNK - 1) / CHUNK) * ENTRY);
    out.order(ByteOrder.LITTLE_ENDIAN);
    CRC32C c = new CRC32C();
    CRC32 d = new CRC32();
    for (int off = 0; off < length; off += CHUNK) {
      int n = Math.min(CHUNK, length - off);
      boolean zero =
          zeroPages != null
              ? Zeros.allSet(zeroPages, off / Zeros.PAGE, (n + Zeros.PAGE - 1) / Zeros.PAGE)
              : Zeros.isZero(buf, off, n);
      if (zero) {
        continue;
      }
      c.reset();
      d.reset();
      c.update(buf.duplicate().limit(off + n).position(off));
      d.update(buf.duplicate().limit(off + n).position(off));
      out.putLong((unitStart + off) / CHUNK).putInt((int) c.getValue()).putInt((int) d.getValue());
    }
    byte[] result = new byte[out.position()];
    out.flip().get(result);
    return result;
  }

  /** Adds a unit's chunk digests, as returned by {@link #chunkDigests}. */
  public void add(byte[] chunkDigests) {
    total.update(chunkDigests);
  }

  /** The fingerprint; call once, after the last {@link #add}. */
  public byte[] digest() {
    return total.digest();
  }
}
