package dev.unideploy.it.gcp.fake;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Compares an answer of the fake with the recorded answer of Compute Engine: every field the
 * recording has must be there (recursively), and the fields that carry meaning rather than data
 * (kind, operationType, error reasons and codes, a DONE status) must be equal.
 */
final class Shapes {
  /** Maps whose keys are data (a label set), not part of the shape. */
  private static final Set<String> DATA_MAPS = Set.of("labels");

  /** Fields whose value must be equal, not only present. */
  private static final Set<String> MEANING = Set.of("kind", "operationType", "reason", "domain");

  /**
   * Fields the fake does not produce, each with why: they describe things outside unideploy's use
   * (a VPC's subnetworks, firewall ordering, autoscaler internals) or carry no behaviour.
   */
  static final Map<String, String> NOT_MODELLED =
      Map.ofEntries(
          Map.entry("subnetworks", "networks: the fake's networks have no subnetworks"),
          Map.entry("autoCreateSubnetworks", "networks: no subnetworks"),
          Map.entry("networkFirewallPolicyEnforcementOrder", "networks: no firewalls"),
          Map.entry("routingConfig", "networks: no routing"),
          Map.entry("selfLinkWithId", "written only for networks"),
          Map.entry("physicalBlockSizeBytes", "disks: block size is not modelled"),
          Map.entry("lastAttachTimestamp", "disks are never attached"),
          Map.entry("lastDetachTimestamp", "disks are never attached"),
          Map.entry("recommendedSize", "autoscalers do not scale in the fake"),
          Map.entry("status", "compared by checkStatus"));

  private Shapes() {}

  static List<String> differences(JsonNode recorded, JsonNode actual) {
    List<String> out = new ArrayList<>();
    check(recorded, actual, "", out);
    return out;
  }

  private static void check(JsonNode recorded, JsonNode actual, String path, List<String> out) {
    if (recorded == null || recorded.isNull()) {
      return;
    }
    if (actual == null || actual.isNull() || actual.isMissingNode()) {
      out.add("missing " + (path.isEmpty() ? "body" : path));
      return;
    }
    if (recorded.isObject()) {
      if (!actual.isObject()) {
        out.add(path + " is not an object");
        return;
      }
      for (Map.Entry<String, JsonNode> f : recorded.properties()) {
        String key = f.getKey();
        String where = path.isEmpty() ? key : path + "." + key;
        if (key.equals("status")) {
          checkStatus(f.getValue(), actual.get(key), where, out);
          continue;
        }
        if (NOT_MODELLED.containsKey(key)) {
          continue;
        }
        JsonNode a = actual.get(key);
        if (a == null) {
          out.add("missing " + where);
          continue;
        }
        if (MEANING.contains(key)
            && f.getValue().isTextual()
            && !f.getValue().asText().equals(a.asText())) {
          out.add(where + " is " + a + ", recorded " + f.getValue());
          continue;
        }
        if (!DATA_MAPS.contains(key)) {
          check(f.getValue(), a, where, out);
        }
      }
    } else if (recorded.isArray() && recorded.size() > 0) {
      if (!actual.isArray()) {
        out.add(path + " is not a list");
      } else if (actual.size() > 0 && recorded.get(0).isObject()) {
        check(recorded.get(0), actual.get(0), path + "[0]", out);
      }
    }
  }

  /** A DONE or READY status must be the same; an in-flight one may be any in-flight status. */
  private static void checkStatus(
      JsonNode recorded, JsonNode actual, String where, List<String> out) {
    if (actual == null) {
      out.add("missing " + where);
      return;
    }
    if (recorded.isObject()) {
      check(recorded, actual, where, out); // an instance group manager's status is an object
      return;
    }
    String r = recorded.asText();
    if ((r.equals("DONE") || r.equals("READY")) && !r.equals(actual.asText())) {
      out.add(where + " is " + actual + ", recorded " + recorded);
    }
  }
}
