package dev.unideploy.pipeline.spi;

import java.util.Map;

/** A registered image in one region: its id, name, region, and provider-specific attributes. */
public record PublishedImage(
    String id, String name, String region, boolean reused, Map<String, Object> attributes) {
  public PublishedImage {
    attributes = Map.copyOf(attributes);
  }
}
