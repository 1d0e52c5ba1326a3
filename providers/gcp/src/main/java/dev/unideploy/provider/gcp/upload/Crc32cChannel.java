package dev.unideploy.provider.gcp.upload;

import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.util.zip.CRC32C;

/** A channel that keeps only the size and CRC32C of what is written to it. */
final class Crc32cChannel implements WritableByteChannel {
  private final CRC32C crc = new CRC32C();
  private long size;

  @Override
  public int write(ByteBuffer src) {
    int n = src.remaining();
    crc.update(src);
    size += n;
    return n;
  }

  long size() {
    return size;
  }

  String crc32c() {
    return Crc32cText.base64(crc.getValue());
  }

  @Override
  public boolean isOpen() {
    return true;
  }

  @Override
  public void close() {}
}
