package dev.unideploy.image;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.function.LongConsumer;

/**
 * The plain SHA-256 of a disk's virtual contents, every byte from 0 to the virtual size: what
 * {@code sha256sum} prints for the raw file, whatever format the disk is stored in. Zero extents
 * are hashed without reading the file, but they are hashed, so the cost follows the virtual size
 * (about 1.3 GB/s with SHA-NI). On request only ({@code --sha256}); the identity of an image is
 * {@code dev.unideploy.image.digest.SparseContentHash}, whose cost follows the data.
 */
public final class ContentHash {
  private static final int CHUNK = 1 << 20;
  private static final ByteBuffer ZEROES = ByteBuffer.allocate(CHUNK).asReadOnlyBuffer();

  private ContentHash() {}

  public static String sha256(DiskImage image) throws IOException {
    return sha256(image, done -> {});
  }

  /** Hashes the image, reporting bytes hashed (of the virtual size) to {@code progress}. */
  public static String sha256(DiskImage image, LongConsumer progress) throws IOException {
    MessageDigest md = Digests.sha256();
    ByteBuffer buf = ByteBuffer.allocate(CHUNK);
    long done = 0;
    for (Extent e : image.extents()) {
      long pos = e.offset();
      while (pos < e.end()) {
        int n = (int) Math.min(CHUNK, e.end() - pos);
        if (e.data()) {
          buf.clear().limit(n);
          while (buf.hasRemaining()) {
            int r = image.read(pos + buf.position(), buf);
            if (r < 0) {
              throw new IOException(
                  "image ended at "
                      + (pos + buf.position())
                      + " before its virtual size "
                      + image.virtualSize());
            }
          }
          buf.flip();
          md.update(buf);
        } else {
          md.update(ZEROES.duplicate().limit(n));
        }
        pos += n;
        done += n;
        progress.accept(done);
      }
    }
    return HexFormat.of().formatHex(md.digest());
  }
}
