package dev.unideploy.provider.gcp.upload;

import java.util.Base64;

/**
 * CRC32C values as Cloud Storage writes them: the 4 bytes big-endian, base64 ("AAAAAA==" for 0).
 * See https://cloud.google.com/storage/docs/json_api/v1/objects#resource (crc32c).
 */
final class Crc32cText {
  private Crc32cText() {}

  static String base64(long crc) {
    byte[] b = {(byte) (crc >>> 24), (byte) (crc >>> 16), (byte) (crc >>> 8), (byte) crc};
    return Base64.getEncoder().encodeToString(b);
  }
}
