package dev.unideploy.pipeline.spi;

import java.util.List;
import java.util.Map;

/** What a new server group should be: app, image, size, forwarded/exposed ports, extra settings. */
public record ServerGroupSpec(
    String app, String imageId, int size, List<PortMapping> ports, Map<String, Object> settings) {
  public ServerGroupSpec {
    if (size < 0) {
      throw new IllegalArgumentException("size must be >= 0, was " + size);
    }
    ports = List.copyOf(ports);
    settings = Map.copyOf(settings);
  }

  /** A port the instances listen on, and the port traffic reaches them from. */
  public record PortMapping(int hostPort, int guestPort) {}
}
