package dev.unideploy.pipeline.spi;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.Map;

/**
 * The outcome of publishing to one region: the image there, or the error that stopped it (then
 * {@code imageId} is null). Kept per region so that one failure does not hide the others.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"region", "ok", "imageId", "reused", "error", "attributes"})
public record RegionImage(
    String region, String imageId, boolean reused, String error, Map<String, String> attributes) {
  public RegionImage {
    attributes = Map.copyOf(attributes);
  }

  @JsonProperty("ok")
  public boolean ok() {
    return error == null;
  }

  public static RegionImage ok(
      String region, String imageId, boolean reused, Map<String, String> attributes) {
    return new RegionImage(region, imageId, reused, null, attributes);
  }

  public static RegionImage failed(String region, String error) {
    return new RegionImage(region, null, false, error, Map.of());
  }
}
