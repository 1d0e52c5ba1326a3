package dev.unideploy.pipeline.spi;

import java.util.List;
import java.util.Objects;

/**
 * What a new server group should be. Provider-specific settings (instance type, subnets, target
 * groups) come from the provider's own section of the config, bound by the provider.
 *
 * @param name the group's name, chosen by the rollout engine ({@code {app}-v{NNN}})
 * @param guestPorts the TCP ports the app listens on; the first is the one probes use
 */
public record ServerGroupSpec(
    String app, String name, String version, String imageId, int size, List<Integer> guestPorts) {
  public ServerGroupSpec {
    Objects.requireNonNull(app, "app");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(imageId, "imageId");
    if (size < 0) {
      throw new IllegalArgumentException("size must be >= 0, was " + size);
    }
    guestPorts = List.copyOf(guestPorts);
  }
}
