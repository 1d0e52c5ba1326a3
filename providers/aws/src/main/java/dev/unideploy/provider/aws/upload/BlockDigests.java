package dev.unideploy.provider.aws.upload;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/**
 * The checksums the EBS direct APIs ask for: a SHA-256 per block, and the LINEAR aggregate for
 * CompleteSnapshot, which is the SHA-256 of the concatenated per-block digests in ascending block
 * index order (https://docs.aws.amazon.com/ebs/latest/userguide/ebsapis-using-checksums.html).
 *
 * <p>Not thread-safe: the reader thread feeds blocks in index order.
 */
final class BlockDigests {
  private final MessageDigest block = sha256();
  private final MessageDigest linear = sha256();
  private long count;

  /** The SHA-256 of {@code data}, also folded into the linear checksum. */
  byte[] add(byte[] data) {
    byte[] digest = block.digest(data);
    linear.update(digest);
    count++;
    return digest;
  }

  /** Blocks added so far: CompleteSnapshot's ChangedBlocksCount. */
  long count() {
    return count;
  }

  /** The Base64 linear checksum of the blocks added so far (ends this object's use). */
  String linearBase64() {
    return Base64.getEncoder().encodeToString(linear.digest());
  }

  static String base64(byte[] digest) {
    return Base64.getEncoder().encodeToString(digest);
  }

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }
}
