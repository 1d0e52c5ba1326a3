package dev.unideploy.provider.aws.importsnap;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * A window {@code [offset, offset + length)} of a file as a stream, read with positional reads so
 * several parts can stream from one channel at once, through a small buffer (memory per part stays
 * at 64 KiB however large the part).
 */
final class RangeInputStream extends InputStream {
  private final FileChannel channel;
  private final ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
  private long pos;
  private final long end;

  RangeInputStream(FileChannel channel, long offset, long length) {
    this.channel = channel;
    this.pos = offset;
    this.end = offset + length;
    buf.limit(0);
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    if (len == 0) {
      return 0;
    }
    if (!buf.hasRemaining()) {
      if (pos >= end) {
        return -1;
      }
      buf.clear().limit((int) Math.min(buf.capacity(), end - pos));
      int n = channel.read(buf, pos);
      if (n < 0) {
        throw new IOException("the file ended at byte " + pos + " while uploading up to " + end);
      }
      pos += n;
      buf.flip();
    }
    int n = Math.min(len, buf.remaining());
    buf.get(b, off, n);
    return n;
  }
}
