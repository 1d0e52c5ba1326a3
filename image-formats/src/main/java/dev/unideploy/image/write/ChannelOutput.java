package dev.unideploy.image.write;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;

/**
 * Sequential, buffered writes that keep count of the position: to a file channel at a position, or
 * to any channel in order (a stream being uploaded).
 */
public final class ChannelOutput {
  private static final int BUFFER = 1 << 20;

  private final FileChannel file;
  private final WritableByteChannel stream;
  private final ByteBuffer buf = ByteBuffer.allocateDirect(BUFFER);
  private long position;

  public ChannelOutput(FileChannel channel, long startPosition) {
    this.file = channel;
    this.stream = null;
    this.position = startPosition;
  }

  /** Writes to {@code channel} in order, starting at position 0 of the output. */
  public ChannelOutput(WritableByteChannel channel) {
    this.file = null;
    this.stream = channel;
    this.position = 0;
  }

  /** The file position the next byte lands at. */
  public long position() {
    return position;
  }

  public void write(byte[] b, int off, int len) throws IOException {
    while (len > 0) {
      if (!buf.hasRemaining()) {
        flush();
      }
      int n = Math.min(len, buf.remaining());
      buf.put(b, off, n);
      off += n;
      len -= n;
      position += n;
    }
  }

  public void write(byte[] b) throws IOException {
    write(b, 0, b.length);
  }

  public void writeZeros(long n) throws IOException {
    while (n > 0) {
      if (!buf.hasRemaining()) {
        flush();
      }
      int k = (int) Math.min(n, buf.remaining());
      for (int i = 0; i < k; i++) {
        buf.put((byte) 0);
      }
      n -= k;
      position += k;
    }
  }

  /**
   * Writes out the buffer and moves on by {@code n} bytes, which the caller fills itself (kernel
   * copies) or leaves as a hole.
   */
  public void skip(long n) throws IOException {
    flush();
    position += n;
  }

  /** Pads with zeroes to a multiple of {@code alignment}. */
  public void padTo(int alignment) throws IOException {
    long rem = position % alignment;
    if (rem != 0) {
      writeZeros(alignment - rem);
    }
  }

  /** Writes out the buffer. */
  public void flush() throws IOException {
    buf.flip();
    if (file != null) {
      long at = position - buf.remaining();
      while (buf.hasRemaining()) {
        at += file.write(buf, at);
      }
    } else {
      while (buf.hasRemaining()) {
        stream.write(buf);
      }
    }
    buf.clear();
  }
}
