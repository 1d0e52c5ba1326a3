package dev.unideploy.image;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * SHA-256, the digest the project identifies content with, without the checked exception each
 * caller would otherwise wrap: every Java SE runtime must provide it (MessageDigest's class
 * comment).
 */
public final class Digests {
  private Digests() {}

  /** A new SHA-256 digest (not thread-safe: one per thread or per use). */
  public static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }

  /** The SHA-256 of {@code data}. */
  public static byte[] sha256(byte[] data) {
    return sha256().digest(data);
  }

  /** The SHA-256 of {@code data}, as lower-case hex. */
  public static String sha256Hex(byte[] data) {
    return HexFormat.of().formatHex(sha256(data));
  }
}
