package dev.unideploy.pipeline.rollout;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.unideploy.pipeline.spi.ServerGroup;

/**
 * A server group as it was when a rollout was planned: what a rollback restores it to.
 *
 * @param size its desired size then
 * @param inService whether it was attached to the load balancer then
 */
public record GroupBefore(
    @JsonProperty("name") String name,
    @JsonProperty("version") String version,
    @JsonProperty("imageId") String imageId,
    @JsonProperty("size") int size,
    @JsonProperty("inService") boolean inService) {

  static GroupBefore of(ServerGroup g) {
    return new GroupBefore(g.name(), g.version(), g.imageId(), g.desiredSize(), g.inService());
  }
}
