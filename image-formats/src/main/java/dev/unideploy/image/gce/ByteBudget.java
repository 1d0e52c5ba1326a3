package dev.unideploy.image.gce;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Counts the bytes read through it and stops at a budget the reader moves as it learns what the
 * archive may hold, so that no header can make the tar parser decompress without end.
 */
final class ByteBudget extends FilterInputStream {

  /** Thrown when a read would pass the budget. */
  static final class Exceeded extends IOException {
    private static final long serialVersionUID = 1L;

    Exceeded(long budget) {
      super("more than " + budget + " bytes");
    }
  }

  private long position;
  private long budget;

  ByteBudget(InputStream in, long budget) {
    super(in);
    this.budget = budget;
  }

  /** Bytes read so far. */
  long position() {
    return position;
  }

  /** Allows reading up to {@code budget} bytes from the start, in all. */
  void setBudget(long budget) {
    this.budget = budget;
  }

  @Override
  public int read() throws IOException {
    if (position >= budget) {
      throw new Exceeded(budget);
    }
    int b = in.read();
    if (b >= 0) {
      position++;
    }
    return b;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    if (len == 0) {
      return 0;
    }
    if (position >= budget) {
      throw new Exceeded(budget);
    }
    int n = in.read(b, off, (int) Math.min(len, budget - position));
    if (n > 0) {
      position += n;
    }
    return n;
  }

  @Override
  public long skip(long n) throws IOException {
    // Read rather than skip: the gzip stream below must see (and check) every byte.
    byte[] scratch = new byte[(int) Math.min(n, 8192)];
    long skipped = 0;
    while (skipped < n) {
      int r = read(scratch, 0, (int) Math.min(scratch.length, n - skipped));
      if (r < 0) {
        break;
      }
      skipped += r;
    }
    return skipped;
  }

  @Override
  public boolean markSupported() {
    return false;
  }
}
