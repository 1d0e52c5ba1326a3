package dev.unideploy.provider.gcp.upload;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.util.zip.CRC32C;

/**
 * Where the tarball writer writes: cuts the stream into chunks for the {@link ChunkSender}, keeps
 * the CRC32C of every byte, and, when resuming, drops the bytes the service already holds.
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

  private final ChunkSender sender;
  private final int chunkSize;
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
      ChunkSender sender,
      int chunkSize,
      long skip,
      long verifyAt,
      long verifyCrc,
      FileChannel copy) {
    this.sender = sender;
    this.chunkSize = chunkSize;
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
      long take = src.remaining();
      if (!verified) {
        take = Math.min(take, verifyAt - position);
      }
      if (position < skip) {
        take = Math.min(take, skip - position);
      } else {
        if (buffer == null) {
          buffer = sender.buffer();
          fill = 0;
          bufferStart = position;
        }
        take = Math.min(take, chunkSize - fill);
      }
      ByteBuffer piece = src.slice();
      piece.limit((int) take);
      crc.update(piece.duplicate());
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
      if (buffer != null && fill == chunkSize) {
        sender.submit(new ChunkSender.Chunk(bufferStart, buffer, fill, false, -1, crc.getValue()));
        buffer = null;
      }
    }
    return n;
  }

  /** Sends what is left as the last chunk, with the total size and the CRC32C of everything. */
  void finish() throws IOException {
    if (!verified || position < skip) {
      throw new NotReproducibleException(Math.min(verifyAt, skip));
    }
    byte[] last = buffer == null ? new byte[0] : buffer;
    long start = buffer == null ? position : bufferStart;
    sender.submit(
        new ChunkSender.Chunk(
            start, last, buffer == null ? 0 : fill, true, position, crc.getValue()));
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
