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

  /** The pipeline's view: the gs:// URL as the handle, the counters as facts (strings only). */
  public UploadedDisk toUploadedDisk() {
    Map<String, Object> facts = new LinkedHashMap<>();
    facts.put("object", gsUrl());
    facts.put("size", Long.toString(size));
    facts.put("crc32c", crc32c);
    facts.put("bytesSent", Long.toString(bytesSent));
    facts.put("bytesResent", Long.toString(bytesResent));
    facts.put("resumedAt", Long.toString(resumedAt));
    facts.put("reused", Boolean.toString(reused));
    facts.put("elapsedMillis", Long.toString(elapsed.toMillis()));
    return new UploadedDisk(gsUrl(), facts);
  }
}
