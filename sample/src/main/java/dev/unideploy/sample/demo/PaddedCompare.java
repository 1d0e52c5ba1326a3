package dev.unideploy.sample.demo;

import dev.unideploy.image.DiskImage;
import dev.unideploy.image.Extent;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Compares a disk with a padded copy of it (a GCE disk rounded up to whole GiB, a VHD rounded to
 * whole MiB): the copy must start with the source's bytes and be zero after them.
 */
final class PaddedCompare {
  private static final int CHUNK = 1 << 20;

  private PaddedCompare() {}

  static boolean sameWithZeroTail(DiskImage source, DiskImage copy) throws IOException {
    if (copy.virtualSize() < source.virtualSize()) {
      return false;
    }
    ByteBuffer a = ByteBuffer.allocate(CHUNK);
    ByteBuffer b = ByteBuffer.allocate(CHUNK);
    for (long pos = 0; pos < source.virtualSize(); pos += CHUNK) {
      int n = (int) Math.min(CHUNK, source.virtualSize() - pos);
      read(source, pos, a, n);
      read(copy, pos, b, n);
      if (!a.equals(b)) {
        return false;
      }
    }
    for (Extent e : copy.extents()) {
      if (!e.data() || e.end() <= source.virtualSize()) {
        continue;
      }
      for (long pos = Math.max(e.offset(), source.virtualSize()); pos < e.end(); pos += CHUNK) {
        int n = (int) Math.min(CHUNK, e.end() - pos);
        read(copy, pos, b, n);
        byte[] arr = new byte[n];
        b.get(arr);
        if (!Arrays.equals(arr, new byte[n])) {
          return false;
        }
      }
    }
    return true;
  }

  private static void read(DiskImage d, long pos, ByteBuffer buf, int n) throws IOException {
    buf.clear().limit(n);
    while (buf.hasRemaining()) {
      if (d.read(pos + buf.position(), buf) < 0) {
        throw new IOException("disk ended at " + (pos + buf.position()));
      }
    }
    buf.flip();
  }
}
