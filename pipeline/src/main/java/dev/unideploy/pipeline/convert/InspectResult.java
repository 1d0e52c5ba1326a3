package dev.unideploy.pipeline.convert;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Map;
import java.util.TreeMap;

/**
 * What {@code unideploy inspect} found in an image.
 *
 * @param allocatedBytes bytes that hold data (holes and zero clusters excluded)
 * @param details format-specific facts (cluster size, subformat, creator...)
 * @param contentHash the content hash of the virtual disk (the image's identity, as {@code publish}
 *     computes it), or null when not asked for
 * @param sha256 the plain SHA-256 of the whole virtual disk, or null when not asked for
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record InspectResult(
    String file,
    long fileBytes,
    String format,
    long virtualSize,
    long allocatedBytes,
    long extentCount,
    long dataExtents,
    long zeroExtents,
    Map<String, String> details,
    String contentHash,
    String sha256) {
  public InspectResult {
    details = new TreeMap<>(details);
  }
}
