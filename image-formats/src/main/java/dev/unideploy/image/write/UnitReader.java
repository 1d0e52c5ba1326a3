package dev.unideploy.image.write;

import dev.unideploy.image.DiskImage;
import dev.unideploy.image.read.ZeroFill;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;

/** Reads a unit's data parts into a buffer and zero-fills the rest, never touching zero extents. */
public final class UnitReader {
  private UnitReader() {}

  /** Fills {@code buf} with the unit: its data, zeroes elsewhere and past the unit's length. */
  public static void read(DiskImage image, DataUnit unit, byte[] buf) throws IOException {
    long[] parts = unit.dataParts();
    long pos = unit.start();
    for (int i = 0; i < parts.length; i += 2) {
      long off = parts[i];
      int len = (int) parts[i + 1];
      Arrays.fill(buf, (int) (pos - unit.start()), (int) (off - unit.start()), (byte) 0);
      readFully(image, off, buf, (int) (off - unit.start()), len);
      pos = off + len;
    }
    Arrays.fill(buf, (int) (pos - unit.start()), buf.length, (byte) 0);
  }

  /**
   * Fills {@code buf} from 0 to the unit's length (then its limit) with the unit: its data and
   * zeroes elsewhere. Works on direct buffers, which the copying writers use.
   */
  public static void read(DiskImage image, DataUnit unit, ByteBuffer buf) throws IOException {
    long[] parts = unit.dataParts();
    buf.clear();
    for (int i = 0; i < parts.length; i += 2) {
      int at = (int) (parts[i] - unit.start());
      int len = (int) parts[i + 1];
      ZeroFill.fill(buf, at - buf.position());
      ByteBuffer dst = buf.duplicate().limit(at + len);
      while (dst.hasRemaining()) {
        if (image.read(unit.start() + dst.position(), dst) < 0) {
          throw new IOException(
              "the "
                  + image.format()
                  + " image ended at byte "
                  + (unit.start() + dst.position())
                  + ", before its declared virtual size "
                  + image.virtualSize()
                  + "; the input is truncated or its extent map is wrong");
        }
      }
      buf.position(at + len);
    }
    ZeroFill.fill(buf, unit.length() - buf.position());
    buf.flip();
  }

  /** Reads exactly {@code len} bytes at {@code offset} of the virtual disk. */
  public static void readFully(DiskImage image, long offset, byte[] buf, int off, int len)
      throws IOException {
    ByteBuffer dst = ByteBuffer.wrap(buf, off, len);
    while (dst.hasRemaining()) {
      int r = image.read(offset + (dst.position() - off), dst);
      if (r < 0) {
        throw new IOException(
            "the "
                + image.format()
                + " image ended at byte "
                + (offset + (dst.position() - off))
                + ", before its declared virtual size "
                + image.virtualSize()
                + "; the input is truncated or its extent map is wrong");
      }
    }
  }
}
