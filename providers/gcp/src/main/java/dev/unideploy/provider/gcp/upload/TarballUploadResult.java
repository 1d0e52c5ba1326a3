package dev.unideploy.provider.gcp.upload;

import dev.unideploy.pipeline.spi.UploadedDisk;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a tarball upload produced and cost.
 *
 * @param bucket the staging bucket
 * @param object the tarball object
 * @param size the object's size in bytes
 * @param crc32c its CRC32C (base64), checked against what was sent
 * @param bytesSent bytes this run sent
 * @param bytesResent bytes this run sent more than once (retries, cut chunks)
 * @param resumedAt the offset this run continued an earlier session from (0 for a new one)
 * @param reused whether the object was already there and nothing was sent
 * @param elapsed wall time of this run
 */
public record TarballUploadResult(
    String bucket,
    String object,
    long size,
    String crc32c,
    long bytesSent,
    long bytesResent,
    long resumedAt,
    boolean reused,
    Duration elapsed) {

  /** The gs:// URL of the object. */
  public String gsUrl() {
    return "gs://" + bucket + "/" + object;
  }

  /** The pipeline's view: the gs:// URL as the handle, the counters, facts as strings. */
  public UploadedDisk toUploadedDisk() {
    Map<String, String> details = new LinkedHashMap<>();
    details.put("object", gsUrl());
    details.put("size", Long.toString(size));
    details.put("crc32c", crc32c);
    details.put("bytesResent", Long.toString(bytesResent));
    details.put("resumedAt", Long.toString(resumedAt));
    details.put("objectReused", Boolean.toString(reused));
    return new UploadedDisk(
        gsUrl(), "gcs-resumable", bytesSent, resumedAt, reused || resumedAt > 0, elapsed, details);
  }
}
