package dev.unideploy.image.write;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * A SHA-256 over the virtual size and every non-zero 64 KiB chunk (its index and its own SHA-256),
 * from which writers derive the ids a format wants (VMDK CID, VHD unique id) so the same contents
 * always give the same bytes. Zero chunks are skipped, so the fingerprint depends on the contents
 * only (not on how a reader split them into extents) and costs time in proportion to the data, not
 * the disk size: a flat SHA-256 of a 16 GiB sparse disk would take ~13 s.
 *
 * <p>Chunk digests are computed by the worker threads ({@link #chunkDigests}); {@link #add} must be
 * called in ascending chunk order.
 */
public final class ContentFingerprint {
  /** The chunk size; every writer's unit is a multiple of it and aligned to it. */
  public static final int CHUNK = 64 * 1024;

  private final MessageDigest total = sha256();
  private final ByteBuffer index = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);

  public ContentFingerprint(long virtualSize) {
    total.update("unideploy-content-v1".getBytes(StandardCharsets.US_ASCII));
    index.clear();
    index.putLong(virtualSize).flip();
    total.update(index);
  }

  /**
   * Digests the non-zero chunks of a unit's bytes: a flat array of (chunk index, 32-byte digest)
   * entries, 40 bytes each.
   */
  public static byte[] chunkDigests(long unitStart, byte[] buf, int length) {
    MessageDigest md = sha256();
    ByteBuffer out = ByteBuffer.allocate(((length + CHUNK - 1) / CHUNK) * 40);
    out.order(ByteOrder.LITTLE_ENDIAN);
    for (int off = 0; off < length; off += CHUNK) {
      int n = Math.min(CHUNK, length - off);
      if (Zeros.isZero(buf, off, n)) {
        continue;
      }
      md.update(buf, off, n);
      out.putLong((unitStart + off) / CHUNK).put(md.digest());
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

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }
}
