package dev.unideploy.pipeline.spi;

import java.time.Instant;
import java.util.Map;

/** One release's set of instances: a name (app-vNNN), the image it runs, its size and state. */
public record ServerGroup(
    String name,
    String app,
    String imageId,
    int size,
    boolean inService,
    Instant createdAt,
    Map<String, Object> attributes) {
  public ServerGroup {
    attributes = Map.copyOf(attributes);
  }
}
