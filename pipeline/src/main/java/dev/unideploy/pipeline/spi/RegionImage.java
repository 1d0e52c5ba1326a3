package dev.unideploy.pipeline.spi;

import java.util.Map;

/**
 * The outcome of replicating to one region: the copy, or the error that stopped it (then {@code
 * imageId} is null). Kept per region so one failure does not hide the others.
 */
public record RegionImage(
    String region, String imageId, boolean reused, String error, Map<String, Object> attributes) {
  public RegionImage {
    attributes = Map.copyOf(attributes);
  }

  public boolean ok() {
    return error == null;
  }

  public static RegionImage ok(
      String region, String imageId, boolean reused, Map<String, Object> attributes) {
    return new RegionImage(region, imageId, reused, null, attributes);
  }

  public static RegionImage failed(String region, String error) {
    return new RegionImage(region, null, false, error, Map.of());
  }
}
