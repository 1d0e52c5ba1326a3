package dev.unideploy.image.readtest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.unideploy.image.Digests;
import dev.unideploy.image.DiskImage;
import dev.unideploy.image.Extent;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;

/** Reads whole virtual disks and checks the invariants every DiskImage must keep. */
public final class DiskChecks {
  private DiskChecks() {}

  /** The whole virtual disk; only for small disks. */
  public static byte[] readAll(DiskImage image) throws IOException {
    byte[] all = new byte[Math.toIntExact(image.virtualSize())];
    ByteBuffer buf = ByteBuffer.wrap(all);
    long pos = 0;
    while (buf.hasRemaining()) {
      int n = image.read(pos, buf);
      assertThat(n).as("read at %d", pos).isPositive();
      pos += n;
    }
    assertThat(image.read(image.virtualSize(), ByteBuffer.allocate(1))).isEqualTo(-1);
    return all;
  }

  /** SHA-256 of the whole virtual disk, read in 1 MiB + 4 KiB + 1 byte pieces (unaligned). */
  public static String sha256(DiskImage image) throws IOException {
    return sha256(image, false);
  }

  /** {@link #sha256(DiskImage)} into a heap or a direct buffer (readers take different paths). */
  public static String sha256(DiskImage image, boolean direct) throws IOException {
    MessageDigest md = Digests.sha256();
    int size = 1024 * 1024 + 4097;
    ByteBuffer buf = direct ? ByteBuffer.allocateDirect(size) : ByteBuffer.allocate(size);
    long pos = 0;
    while (pos < image.virtualSize()) {
      buf.clear();
      int n = image.read(pos, buf);
      assertThat(n).as("read at %d", pos).isPositive();
      buf.flip();
      md.update(buf);
      pos += n;
    }
    return HexFormat.of().formatHex(md.digest());
  }

  /** Extents are contiguous and cover the disk; zero extents really read as zero. */
  public static void checkExtents(DiskImage image) throws IOException {
    List<Extent> extents = image.extents();
    long pos = 0;
    for (Extent e : extents) {
      assertThat(e.offset()).as("extent start").isEqualTo(pos);
      pos = e.end();
    }
    assertThat(pos).as("extents cover the disk").isEqualTo(image.virtualSize());
    ByteBuffer buf = ByteBuffer.allocate(1024 * 1024);
    for (Extent e : extents) {
      if (e.data()) {
        continue;
      }
      for (long at = e.offset(); at < e.end(); ) {
        buf.clear().limit((int) Math.min(buf.capacity(), e.end() - at));
        int n = image.read(at, buf);
        buf.flip();
        while (buf.hasRemaining()) {
          if (buf.get() != 0) {
            throw new AssertionError("zero extent " + e + " has data at " + (at + buf.position()));
          }
        }
        at += n;
      }
    }
  }
}
