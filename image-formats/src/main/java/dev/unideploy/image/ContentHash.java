package dev.unideploy.image;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.function.LongConsumer;

/**
 * SHA-256 of a disk's virtual contents: the identity of an image across formats (a qcow2 and the
 * raw it converts to hash the same). Zero extents are hashed without reading the file.
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
