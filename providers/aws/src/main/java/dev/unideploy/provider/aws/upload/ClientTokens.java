package dev.unideploy.provider.aws.upload;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;

/**
 * Idempotency tokens derived from what is uploaded, so that a StartSnapshot retried by the SDK or
 * by a re-run returns the snapshot already started instead of starting a second one. A new {@code
 * generation} gives a new token when the old snapshot is gone or failed (AWS would otherwise hand
 * back the dead one). AWS allows up to 64 characters.
 */
final class ClientTokens {
  private ClientTokens() {}

  /** The upload key: what must match for a pending snapshot to be continued. */
  static String uploadKey(
      String contentSha256, long volumeGib, boolean encrypted, String kmsKeyArn) {
    return "ebs:"
        + contentSha256
        + ":"
        + volumeGib
        + "GiB:"
        + (encrypted ? "enc:" + (kmsKeyArn == null ? "default" : kmsKeyArn) : "plain");
  }

  /**
   * {@code ud-} and 40 hex digits of SHA-256 over the key, the generation and everything else
   * StartSnapshot sends ({@code description}, {@code tags}). EBS answers a reused token with other
   * parameters with ConflictException ("the same client token as a previous, but non-identical
   * request"): the same content published under a new version, whose name and description differ,
   * must get a new token, while a retry of the same call keeps it.
   */
  static String token(
      String uploadKey, int generation, String description, Map<String, String> tags) {
    StringBuilder all = new StringBuilder(uploadKey).append('#').append(generation);
    all.append("\ndescription=").append(description);
    new TreeMap<>(tags).forEach((k, v) -> all.append("\ntag=").append(k).append('=').append(v));
    byte[] digest = BlockDigests.sha256().digest(all.toString().getBytes(StandardCharsets.UTF_8));
    return "ud-" + HexFormat.of().formatHex(digest).substring(0, 40);
  }
}
