package dev.unideploy.provider.azure.fleet;

import dev.unideploy.pipeline.spi.ServerGroupSpec;
import dev.unideploy.provider.azure.publish.AzureTags;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The tags of a release's scale set, by which the fleet finds its own scale sets again and
 * recognises every other one as not its own. The fence is the one publish uses ({@code
 * unideploy:managed=true} and {@code unideploy:app=<app>}); the rest says which release it runs.
 */
final class FleetTags {
  static final String GROUP = "unideploy:group";
  static final String IMAGE = "unideploy:image";
  static final String PORTS = "unideploy:ports";
  static final String CREATED_AT = "unideploy:created-at";

  private FleetTags() {}

  static Map<String, String> forGroup(ServerGroupSpec spec, Instant createdAt) {
    Map<String, String> tags = new LinkedHashMap<>();
    tags.put(AzureTags.MANAGED, "true");
    tags.put(AzureTags.APP, spec.app());
    tags.put(GROUP, spec.name());
    if (spec.version() != null) {
      tags.put(AzureTags.APP_VERSION, spec.version());
    }
    // A gallery version id is about 200 characters, within Azure's 256 for a tag value.
    tags.put(IMAGE, spec.imageId());
    tags.put(
        PORTS, spec.guestPorts().stream().map(String::valueOf).collect(Collectors.joining(",")));
    tags.put(CREATED_AT, createdAt.toString());
    return tags;
  }

  /** Whether {@code tags} mark a scale set unideploy made, of {@code app} (any app when null). */
  static boolean ours(Map<String, String> tags, String app) {
    return tags != null
        && "true".equals(tags.get(AzureTags.MANAGED))
        && tags.get(GROUP) != null
        && (app == null || app.equals(tags.get(AzureTags.APP)));
  }

  /** The guest ports the release was created with (the first is the one probes use). */
  static List<Integer> ports(Map<String, String> tags) {
    List<Integer> out = new ArrayList<>();
    String v = tags == null ? null : tags.get(PORTS);
    if (v == null || v.isBlank()) {
      return out;
    }
    for (String p : v.split(",")) {
      try {
        out.add(Integer.parseInt(p.trim()));
      } catch (NumberFormatException e) {
        // a tag edited by hand: that port is not probed
      }
    }
    return out;
  }
}
