package dev.unideploy.it.gcp.rollout;

import com.fasterxml.jackson.databind.JsonNode;
import dev.unideploy.it.gcp.GceFake;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The app's fleet after each change the fake accepted, replayed from its request log in order:
 * groups made, resized and deleted, and backends set. Unlike sampling, it misses no state however
 * briefly it lasted.
 */
final class FleetChanges {
  private FleetChanges() {}

  /**
   * One state: each group's target size and the backend service's backends.
   *
   * @param change the call that made it ({@code resize web-v002}, {@code backends [...]})
   * @param at when the fake received that call (epoch seconds)
   */
  record State(String change, double at, Map<String, Integer> sizes, List<String> backends) {
    /** The state as {@code web-v001=2* web-v002=1}, a star for each group in service. */
    String shape() {
      StringBuilder b = new StringBuilder();
      sizes.forEach(
          (g, n) ->
              b.append(b.length() == 0 ? "" : " ")
                  .append(g)
                  .append('=')
                  .append(n)
                  .append(backends.contains(g) ? "*" : ""));
      return b.toString();
    }
  }

  /** The states after each accepted change of {@code requests} (the log of one project). */
  static List<State> replay(List<JsonNode> requests) {
    Map<String, Integer> sizes = new TreeMap<>();
    List<String> backends = new ArrayList<>();
    List<State> out = new ArrayList<>();
    for (JsonNode r : requests) {
      if (r.path("status").asInt() != 200) {
        continue;
      }
      String method = r.path("method").asText();
      String path = r.path("path").asText();
      String change;
      switch (method) {
        case "compute.instanceGroupManagers.insert" -> {
          JsonNode body = body(r);
          sizes.put(body.path("name").asText(), body.path("targetSize").asInt());
          change = "create " + body.path("name").asText();
        }
        case "compute.instanceGroupManagers.resize" -> {
          String group = path.replaceAll(".*/instanceGroupManagers/([^/]+)/resize$", "$1");
          sizes.put(group, r.path("query").path("size").asInt());
          change = "resize " + group;
        }
        case "compute.instanceGroupManagers.delete" -> {
          String group = path.substring(path.lastIndexOf('/') + 1);
          sizes.remove(group);
          change = "delete " + group;
        }
        case "compute.backendServices.update", "compute.backendServices.patch" -> {
          JsonNode body = body(r);
          if (!body.has("backends") && method.endsWith(".patch")) {
            continue; // a patch of other fields keeps the backends
          }
          backends = GcpApp.backendNames(body.path("backends"));
          change = "backends " + backends;
        }
        default -> {
          continue;
        }
      }
      out.add(
          new State(change, r.path("at").asDouble(), new TreeMap<>(sizes), List.copyOf(backends)));
    }
    return out;
  }

  /** The shapes of {@link #replay}, consecutive repeats folded into one. */
  static List<String> shapes(List<JsonNode> requests) {
    List<String> out = new ArrayList<>();
    for (State s : replay(requests)) {
      if (out.isEmpty() || !out.get(out.size() - 1).equals(s.shape())) {
        out.add(s.shape());
      }
    }
    return out;
  }

  private static JsonNode body(JsonNode request) {
    try {
      return GceFake.JSON.readTree(request.path("body").asText());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
