package dev.unideploy.provider.gcp.upload;

import dev.unideploy.image.DiskImage;
import dev.unideploy.image.Extent;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Names one tarball byte stream: the disk's content hash plus everything else that changes the
 * tarball's bytes (gzip level, sparse or not, and with sparse tar the disk's extent map, since
 * holes and zero-filled data hash the same but are written differently). Two runs with the same key
 * write identical bytes, which is what lets a resume skip to an acknowledged offset.
 */
final class TarballKey {
  /** Bump when the tarball writer's output changes for the same input. */
  private static final String FORMAT = "gce-tar-v1";

  private TarballKey() {}

  static String of(DiskImage disk, String contentSha256, boolean sparse, int level) {
    try {
      MessageDigest d = MessageDigest.getInstance("SHA-256");
      d.update(
          (FORMAT + "|" + contentSha256 + "|" + disk.virtualSize() + "|" + sparse + "|" + level)
              .getBytes(StandardCharsets.UTF_8));
      if (sparse) {
        for (Extent e : disk.extents()) {
          if (e.data()) {
            d.update((e.offset() + ":" + e.length() + ";").getBytes(StandardCharsets.UTF_8));
          }
        }
      }
      return HexFormat.of().formatHex(d.digest(), 0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }
}
