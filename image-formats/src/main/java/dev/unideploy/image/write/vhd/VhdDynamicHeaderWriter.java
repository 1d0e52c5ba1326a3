package dev.unideploy.image.write.vhd;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** Builds the 1024-byte dynamic disk header ("cxsparse") of a dynamic VHD without a parent. */
public final class VhdDynamicHeaderWriter {
  public static final int SIZE = 1024;

  private VhdDynamicHeaderWriter() {}

  public static byte[] build(long tableOffset, int maxTableEntries, int blockSize) {
    ByteBuffer b = ByteBuffer.allocate(SIZE);
    b.put("cxsparse".getBytes(StandardCharsets.US_ASCII));
    b.putLong(-1L); // data offset: unused, all ones
    b.putLong(tableOffset);
    b.putInt(0x00010000); // header version 1.0
    b.putInt(maxTableEntries);
    b.putInt(blockSize);
    int checksumAt = b.position();
    // checksum, parent unique id, parent time stamp, parent name and locators stay zero: no parent
    byte[] bytes = b.array();
    ByteBuffer.wrap(bytes).putInt(checksumAt, VhdFooterWriter.checksum(bytes));
    return bytes;
  }
}
