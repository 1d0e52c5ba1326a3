package dev.unideploy.image.write.gce;

import dev.unideploy.image.write.ChannelOutput;
import dev.unideploy.image.write.Incompressible;
import java.io.IOException;
import java.util.Arrays;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * One gzip member (RFC 1952) built the way pigz builds it: the input is cut into chunks, each chunk
 * is raw-deflated independently (on any thread) and ended with a sync flush, so the chunks' outputs
 * concatenate into one valid deflate stream; their CRC-32s are combined for the trailer. Header
 * fields are fixed (no name, mtime 0) so the output is reproducible.
 */
final class ParallelGzip {
  /** A compressed chunk: the deflate bytes, the CRC-32 and length of the input. */
  record Compressed(byte[] data, int crc, int length) {}

  private static final byte[] HEADER = {
    0x1f, (byte) 0x8b, 8 /* deflate */, 0, 0, 0, 0, 0 /* mtime */, 0, 3 /* Unix */
  };

  /** An empty final block with fixed Huffman codes: closes the stream after the sync flushes. */
  private static final byte[] FINAL_BLOCK = {0x03, 0x00};

  private static final int SEGMENT = 64 * 1024;

  private final ChannelOutput out;
  private final int chunkSize;
  private final Crc32Combine fullChunk;
  private int crc;
  private long length;

  ParallelGzip(ChannelOutput out, int chunkSize) throws IOException {
    this.out = out;
    this.chunkSize = chunkSize;
    this.fullChunk = new Crc32Combine(chunkSize);
    out.write(HEADER);
  }

  /**
   * Compresses one chunk; thread-safe. The chunk goes in 64 KiB segments, each ended by a sync
   * flush (5 bytes) so the level can switch to "stored" for incompressible segments.
   */
  static Compressed compress(byte[] buf, int len, int level) {
    CRC32 crc = new CRC32();
    crc.update(buf, 0, len);
    Deflater deflater = new Deflater(level, true);
    try {
      byte[] out = new byte[len + len / 8 + 256];
      int n = 0;
      int currentLevel = level;
      for (int off = 0; off < len; off += SEGMENT) {
        int segment = Math.min(SEGMENT, len - off);
        int segmentLevel = Incompressible.test(buf, off, segment) ? 0 : level;
        if (segmentLevel != currentLevel) {
          // zlib applies a new level on the next deflate call, to the input it has then: make that
          // call with no input, so the whole segment gets the new level.
          deflater.setLevel(segmentLevel);
          deflater.setInput(buf, off, 0);
          n += deflater.deflate(out, n, out.length - n, Deflater.NO_FLUSH);
          currentLevel = segmentLevel;
        }
        deflater.setInput(buf, off, segment);
        while (true) {
          n += deflater.deflate(out, n, out.length - n, Deflater.SYNC_FLUSH);
          if (n < out.length) {
            break; // a sync flush that did not fill the buffer is complete
          }
          out = Arrays.copyOf(out, out.length * 2);
        }
      }
      return new Compressed(Arrays.copyOf(out, n), (int) crc.getValue(), len);
    } finally {
      deflater.end();
    }
  }

  /** Appends chunks in input order. */
  void append(Compressed c) throws IOException {
    out.write(c.data());
    crc =
        c.length() == chunkSize
            ? fullChunk.combine(crc, c.crc())
            : Crc32Combine.combine(crc, c.crc(), c.length());
    length += c.length();
  }

  /** Closes the deflate stream and writes the trailer. */
  void finish() throws IOException {
    out.write(FINAL_BLOCK);
    byte[] trailer = new byte[8];
    for (int i = 0; i < 4; i++) {
      trailer[i] = (byte) (crc >>> (8 * i));
      trailer[4 + i] = (byte) (length >>> (8 * i));
    }
    out.write(trailer);
  }
}
