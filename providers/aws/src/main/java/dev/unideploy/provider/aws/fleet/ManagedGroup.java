package dev.unideploy.provider.aws.fleet;

import dev.unideploy.pipeline.spi.ServerGroup;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.autoscaling.model.AutoScalingGroup;
import software.amazon.awssdk.services.autoscaling.model.Instance;

/**
 * One release's Auto Scaling group as the fleet sees it: its tags, sizes, the target groups it is
 * attached to, its instances and the launch template version it launches from.
 *
 * @param status Auto Scaling's status: null normally, "Delete in progress" while it is deleted
 */
record ManagedGroup(
    String name,
    String arn,
    Map<String, String> tags,
    int desired,
    int min,
    int max,
    List<String> targetGroups,
    Instant createdAt,
    String status,
    List<Instance> instances) {

  ManagedGroup {
    tags = Map.copyOf(tags);
    targetGroups = List.copyOf(targetGroups);
    instances = List.copyOf(instances);
  }

  static ManagedGroup of(AutoScalingGroup g) {
    return new ManagedGroup(
        g.autoScalingGroupName(),
        g.autoScalingGroupARN(),
        FleetTags.read(g.tags()),
        g.desiredCapacity() == null ? 0 : g.desiredCapacity(),
        g.minSize() == null ? 0 : g.minSize(),
        g.maxSize() == null ? 0 : g.maxSize(),
        g.targetGroupARNs(),
        g.createdTime() == null ? Instant.EPOCH : g.createdTime(),
        g.status(),
        g.instances());
  }

  String app() {
    return tags.get(FleetTags.APP);
  }

  /** Whether Auto Scaling is deleting the group: nothing but the deletion may touch it. */
  boolean deleting() {
    return status != null && status.toLowerCase(java.util.Locale.ROOT).startsWith("delete");
  }

  /** The launch template version the group launches from, or -1 when its tag is missing. */
  long templateVersion() {
    try {
      return Long.parseLong(tags.getOrDefault(FleetTags.LAUNCH_TEMPLATE_VERSION, "-1"));
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /** The first guest port (where probes go), or null when the release named none. */
  Integer firstPort() {
    String ports = tags.getOrDefault(FleetTags.PORTS, "");
    String first = ports.split(",")[0].strip();
    return first.isEmpty() ? null : Integer.valueOf(first);
  }

  /** The configured target groups this group is attached to. */
  List<String> attachedOf(List<String> configured) {
    return configured.stream().filter(targetGroups::contains).toList();
  }

  ServerGroup toServerGroup(List<String> configuredTargetGroups) {
    Map<String, String> attributes = new LinkedHashMap<>();
    attributes.put("autoScalingGroupArn", arn == null ? "" : arn);
    attributes.put("launchTemplateVersion", Long.toString(templateVersion()));
    attributes.put("minSize", Integer.toString(min));
    attributes.put("maxSize", Integer.toString(max));
    attributes.put("targetGroups", String.join(",", targetGroups));
    attributes.put("instances", Integer.toString(instances.size()));
    if (status != null) {
      attributes.put("status", status);
    }
    return new ServerGroup(
        name,
        app(),
        tags.get(FleetTags.APP_VERSION),
        tags.get(FleetTags.IMAGE),
        desired,
        !attachedOf(configuredTargetGroups).isEmpty(),
        createdAt,
        attributes);
  }
}
