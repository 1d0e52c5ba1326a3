package dev.unideploy.pipeline.spi;

import java.util.Map;
import java.util.Objects;

/**
 * A registered image in one region.
 *
 * @param reused true when an earlier run had already registered it for the same content
 * @param attributes provider facts for display (snapshot ids, links, state), strings only
 */
public record PublishedImage(
    String id, String name, String region, boolean reused, Map<String, String> attributes) {
  public PublishedImage {
    Objects.requireNonNull(id, "id");
    attributes = Map.copyOf(attributes);
  }
}
