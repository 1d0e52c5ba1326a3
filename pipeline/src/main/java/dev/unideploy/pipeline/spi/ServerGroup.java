package dev.unideploy.pipeline.spi;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * One release's instances, as the provider reports them.
 *
 * @param name the group's name, {@code {app}-v{NNN}}
 * @param version the release it runs
 * @param desiredSize the instance count asked for (instances may still be starting)
 * @param inService whether the group is attached to the app's load balancer
 * @param attributes provider facts for display (ids, links)
 */
public record ServerGroup(
    String name,
    String app,
    String version,
    String imageId,
    int desiredSize,
    boolean inService,
    Instant createdAt,
    Map<String, String> attributes) {
  public ServerGroup {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(app, "app");
    attributes = Map.copyOf(attributes);
  }
}
