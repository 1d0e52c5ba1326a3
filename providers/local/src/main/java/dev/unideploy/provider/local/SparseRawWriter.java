package dev.unideploy.provider.local;

import dev.unideploy.image.DiskImage;
import dev.unideploy.image.Extent;
import dev.unideploy.pipeline.events.EventSink;
import dev.unideploy.pipeline.events.ProgressEvent;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Writes a disk as a sparse raw file: zero extents and all-zero chunks of data extents become holes
 * (never written), so a mostly empty 1 GiB disk takes only its data on the host. Hashes the virtual
 * contents on the way, so the store can check that what it wrote is what was published.
 */
final class SparseRawWriter {
  private static final int CHUNK = 1 << 20;

  /** What was written: the content hash and the bytes actually written (the rest are holes). */
  record Written(String sha256, long bytesWritten) {}

  private SparseRawWriter() {}

  static Written write(DiskImage image, Path out, String task, EventSink events)
      throws IOException {
    MessageDigest md = sha256();
    byte[] zeroes = new byte[CHUNK];
    ByteBuffer buf = ByteBuffer.allocate(CHUNK);
    long total = image.virtualSize();
    long done = 0;
    long written = 0;
    try (RandomAccessFile raf = new RandomAccessFile(out.toFile(), "rw")) {
      FileChannel ch = raf.getChannel();
      raf.setLength(0);
      for (Extent e : image.extents()) {
        long pos = e.offset();
        while (pos < e.end()) {
          int n = (int) Math.min(CHUNK, e.end() - pos);
          if (!e.data()) {
            md.update(zeroes, 0, n);
          } else {
            buf.clear().limit(n);
            while (buf.hasRemaining()) {
              if (image.read(pos + buf.position(), buf) < 0) {
                throw new IOException(
                    "the image ended at byte "
                        + (pos + buf.position())
                        + ", before its virtual size "
                        + total);
              }
            }
            buf.flip();
            md.update(buf.duplicate());
            if (!allZero(buf)) {
              while (buf.hasRemaining()) {
                ch.write(buf, pos + buf.position());
              }
              written += n;
            }
          }
          pos += n;
          done += n;
          events.emit(ProgressEvent.of(task, done, total, ProgressEvent.Unit.BYTES));
        }
      }
      // Extends the file to the virtual size without writing: the tail stays a hole.
      raf.setLength(total);
      ch.force(true);
    }
    return new Written(HexFormat.of().formatHex(md.digest()), written);
  }

  private static boolean allZero(ByteBuffer buf) {
    for (int i = buf.position(); i < buf.limit(); i++) {
      if (buf.get(i) != 0) {
        return false;
      }
    }
    return true;
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }
}
