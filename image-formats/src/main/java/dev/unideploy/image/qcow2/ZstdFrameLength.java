package dev.unideploy.image.qcow2;

import java.io.IOException;

/**
 * Measures the first zstd frame in a buffer by walking its header and block headers, without
 * decoding. Format: RFC 8878, sections 3.1.1 (frame) and 3.1.1.2 (blocks).
 */
final class ZstdFrameLength {
  private static final int MAGIC = 0xFD2FB528;

  private ZstdFrameLength() {}

  /** The length of the frame starting at offset 0; fails when it is malformed or incomplete. */
  static int of(byte[] in) throws IOException {
    if (in.length < 6 || le32(in, 0) != MAGIC) {
      throw new IOException("no zstd frame magic");
    }
    int descriptor = in[4] & 0xff;
    int fcsFlag = descriptor >>> 6;
    boolean singleSegment = (descriptor & 0x20) != 0;
    boolean checksum = (descriptor & 0x04) != 0;
    int dictFlag = descriptor & 0x03;
    int pos = 5;
    pos += singleSegment ? 0 : 1; // window descriptor
    pos += new int[] {0, 1, 2, 4}[dictFlag];
    pos += fcsFlag == 0 ? (singleSegment ? 1 : 0) : 1 << fcsFlag;
    boolean last = false;
    // Every block header advances pos by at least 3, so this ends within in.length / 3 passes.
    while (!last) {
      if (pos + 3 > in.length) {
        throw new IOException("zstd frame runs past the compressed data");
      }
      int header = (in[pos] & 0xff) | (in[pos + 1] & 0xff) << 8 | (in[pos + 2] & 0xff) << 16;
      last = (header & 1) != 0;
      int type = (header >>> 1) & 3;
      int size = header >>> 3;
      if (type == 3) {
        throw new IOException("reserved zstd block type");
      }
      pos += 3 + (type == 1 ? 1 : size);
    }
    pos += checksum ? 4 : 0;
    if (pos > in.length) {
      throw new IOException("zstd frame runs past the compressed data");
    }
    return pos;
  }

  private static int le32(byte[] b, int at) {
    return (b[at] & 0xff)
        | (b[at + 1] & 0xff) << 8
        | (b[at + 2] & 0xff) << 16
        | (b[at + 3] & 0xff) << 24;
  }
}
