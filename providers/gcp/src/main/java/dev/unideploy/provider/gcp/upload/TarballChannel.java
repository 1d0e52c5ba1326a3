package dev.unideploy.provider.gcp.upload;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.util.zip.CRC32C;

/**
 * Where the tarball writer writes: cuts the stream into chunks that never cross a part boundary,
 * for a {@link Sink}, keeps the CRC32C of every byte (of the stream, and of the part), and, when
 * resuming, drops the bytes the service already holds.
 *
 * <p>A resume regenerates the tarball from its first byte (its output is reproducible) and skips to
 * the acknowledged offset. At the journal's last checkpoint the CRC32C of the regenerated prefix
 * must equal the one recorded when those bytes were sent; otherwise the image changed since, and
 * the session is abandoned rather than completed with a mixed stream.
 */
final class TarballChannel implements WritableByteChannel {

  /** The regenerated stream differs from the one the session holds. */
  static final class NotReproducibleException extends IOException {
    NotReproducibleException(long offset) {
      super(
          "the tarball regenerated for the resume differs from the one uploaded before (CRC32C"
              + " at byte "
              + offset
              + "): the image file changed since the interrupted run");
    }
  }

  /**
   * A chunk of the stream: {@code len} bytes at stream {@code offset}; {@code partEnd} when it is
   * the last of its part, whose CRC32C is then {@code partCrc}.
   */
  record Chunk(long offset, byte[] data, int len, boolean partEnd, long streamCrc, long partCrc) {}

  /** Where chunks go (one part's session after another). */
  interface Sink {
    /** A buffer of the chunk size for the chunk that starts at stream {@code offset}. */
    byte[] buffer(long offset) throws IOException;

    void submit(Chunk chunk) throws IOException;
  }

  private final Sink sender;
  private final int chunkSize;
  private final long partBytes;
  private final CRC32C partCrc = new CRC32C();
  private final long skip;
  private final long verifyAt;
  private final long verifyCrc;
  private final FileChannel copy;
  private final CRC32C crc = new CRC32C();
  private boolean verified;
  private long position;
  private byte[] buffer;
  private int fill;
  private long bufferStart;
  private boolean open = true;

  /**
   * @param skip stream bytes the service already holds (0 for a new session)
   * @param verifyAt offset of the journal's last checkpoint (0 for none)
   * @param verifyCrc the CRC32C of the stream up to {@code verifyAt}
   * @param copy where to write a copy of the whole tarball, or null
   */
  TarballChannel(
      Sink sender,
      int chunkSize,
      long partBytes,
      long skip,
      long verifyAt,
      long verifyCrc,
      FileChannel copy) {
    this.sender = sender;
    this.chunkSize = chunkSize;
    this.partBytes = partBytes;
    this.skip = skip;
    this.verifyAt = verifyAt;
    this.verifyCrc = verifyCrc;
    this.verified = verifyAt == 0;
    this.copy = copy;
  }

  @Override
  public int write(ByteBuffer src) throws IOException {
    int n = src.remaining();
    while (src.hasRemaining()) {
      long take = Math.min(src.remaining(), partBytes - position % partBytes);
      if (!verified) {
        take = Math.min(take, verifyAt - position);
      }
      if (position < skip) {
        take = Math.min(take, skip - position);
      } else {
        if (buffer == null) {
          buffer = sender.buffer(position);
          fill = 0;
          bufferStart = position;
        }
        take = Math.min(take, chunkSize - fill);
      }
      ByteBuffer piece = src.slice();
      piece.limit((int) take);
      crc.update(piece.duplicate());
      partCrc.update(piece.duplicate());
      if (copy != null) {
        ByteBuffer c = piece.duplicate();
        while (c.hasRemaining()) {
          copy.write(c);
        }
      }
      if (position >= skip) {
        piece.get(buffer, fill, (int) take);
        fill += (int) take;
      }
      position += take;
      src.position(src.position() + (int) take);
      if (!verified && position == verifyAt) {
        if (crc.getValue() != verifyCrc) {
          throw new NotReproducibleException(verifyAt);
        }
        verified = true;
      }
      boolean partEnd = position % partBytes == 0;
      if (buffer != null && (fill == chunkSize || partEnd)) {
        sender.submit(
            new Chunk(bufferStart, buffer, fill, partEnd, crc.getValue(), partCrc.getValue()));
        buffer = null;
      }
      if (partEnd) {
        partCrc.reset();
      }
    }
    return n;
  }

  /**
   * Sends what is left as the last chunk of the last part. When the stream ends on a part boundary
   * the part before was finished already; when the service held every byte (a resume of a stream
   * sent to the end), the sink finishes that part with an empty chunk, or knows it is finished.
   */
  void finish() throws IOException {
    if (!verified || position < skip) {
      throw new NotReproducibleException(Math.min(verifyAt, skip));
    }
    if (buffer != null) {
      sender.submit(new Chunk(bufferStart, buffer, fill, true, crc.getValue(), partCrc.getValue()));
    } else if (position == 0 || position % partBytes != 0) {
      sender.submit(new Chunk(position, new byte[0], 0, true, crc.getValue(), partCrc.getValue()));
    }
    buffer = null;
  }

  /** Bytes of the stream seen so far (all of it after {@link #finish}). */
  long position() {
    return position;
  }

  long crc32c() {
    return crc.getValue();
  }

  @Override
  public boolean isOpen() {
    return open;
  }

  @Override
  public void close() {
    open = false;
  }
}
