package dev.unideploy.provider.aws.settings;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * What a release's server group is made of on AWS ({@code providers.aws.fleet}): the instance type,
 * the subnets and security groups of its instances, the target groups that put it in service, the
 * Auto Scaling group's size bounds and health-check grace period, where health probes reach an
 * instance, and how long going in service, draining and deletion may take.
 *
 * @param minSize the group's minimum size; the rollout's size when unset, never above it
 * @param maxSize the group's maximum size; the rollout's size when unset, never below it
 * @param probe {@code private} (the instance's private IP, the default), {@code public} (its public
 *     IP) or {@code none} (no HTTP/TCP probe from this machine: the target groups' health checks
 *     stand in)
 */
public record FleetSettings(
    @JsonProperty("instanceType") @JsonPropertyDescription("EC2 instance type of each instance.")
        String instanceType,
    @JsonProperty("subnets")
        @JsonPropertyDescription(
            "Subnet ids the instances start in (one per Availability Zone); required for deploy.")
        List<String> subnets,
    @JsonProperty("securityGroups")
        @JsonPropertyDescription("Security group ids of the instances (default: the VPC's).")
        List<String> securityGroups,
    @JsonProperty("targetGroups")
        @JsonPropertyDescription(
            "ARNs of the ALB/NLB target groups a release joins when it goes in service; required"
                + " for deploy.")
        List<String> targetGroups,
    @JsonProperty("minSize")
        @JsonPropertyDescription("Auto Scaling minimum size (default: the release's size).")
        Integer minSize,
    @JsonProperty("maxSize")
        @JsonPropertyDescription("Auto Scaling maximum size (default: the release's size).")
        Integer maxSize,
    @JsonProperty("healthCheckGracePeriod")
        @JsonPropertyDescription(
            "Time Auto Scaling gives a new instance before ELB health checks can replace it.")
        Duration healthCheckGracePeriod,
    @JsonProperty("probe")
        @JsonPropertyDescription(
            "Where HTTP/TCP probes reach an instance: private or public IP, or none (target"
                + " health stands in).")
        String probe,
    @JsonProperty("inServiceTimeout")
        @JsonPropertyDescription(
            "Longest wait, after a group is attached, for its targets to be healthy in every target"
                + " group before the previous group leaves service.")
        Duration inServiceTimeout,
    @JsonProperty("drainTimeout")
        @JsonPropertyDescription(
            "Longest wait for a detached group's targets to drain (the deregistration delay).")
        Duration drainTimeout,
    @JsonProperty("deleteTimeout")
        @JsonPropertyDescription("Longest wait for an Auto Scaling group to be deleted.")
        Duration deleteTimeout) {

  private static final Pattern INSTANCE_TYPE = Pattern.compile("[a-z][a-z0-9-]*\\.[a-z0-9]+");
  private static final Pattern SUBNET = Pattern.compile("subnet-[0-9a-f]{8,17}");
  private static final Pattern SECURITY_GROUP = Pattern.compile("sg-[0-9a-f]{8,17}");
  private static final Pattern TARGET_GROUP =
      Pattern.compile(
          "arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:\\d{12}:targetgroup/[A-Za-z0-9-]{1,32}/[0-9a-f]{16}");

  @JsonCreator
  public FleetSettings {
    instanceType = instanceType == null ? "t3.micro" : instanceType.strip();
    if (!INSTANCE_TYPE.matcher(instanceType).matches()) {
      throw new IllegalArgumentException(
          "fleet.instanceType '" + instanceType + "' is not an EC2 instance type such as t3.micro");
    }
    subnets =
        checked(subnets, SUBNET, "fleet.subnets", "a subnet id such as subnet-0abc12345678def90");
    securityGroups =
        checked(
            securityGroups,
            SECURITY_GROUP,
            "fleet.securityGroups",
            "a security group id such as sg-0abc12345678def90");
    targetGroups =
        checked(
            targetGroups,
            TARGET_GROUP,
            "fleet.targetGroups",
            "a target group ARN such as"
                + " arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/0123456789abcdef");
    if (minSize != null && (minSize < 0 || minSize > 1000)) {
      throw new IllegalArgumentException("fleet.minSize must be 0 to 1000, was " + minSize);
    }
    if (maxSize != null && (maxSize < 1 || maxSize > 1000)) {
      throw new IllegalArgumentException("fleet.maxSize must be 1 to 1000, was " + maxSize);
    }
    if (minSize != null && maxSize != null && minSize > maxSize) {
      throw new IllegalArgumentException(
          "fleet.minSize (" + minSize + ") must not exceed fleet.maxSize (" + maxSize + ")");
    }
    healthCheckGracePeriod =
        healthCheckGracePeriod == null ? Duration.ofSeconds(60) : healthCheckGracePeriod;
    if (healthCheckGracePeriod.isNegative() || healthCheckGracePeriod.toSeconds() > 7200) {
      throw new IllegalArgumentException(
          "fleet.healthCheckGracePeriod must be 0 to 2h (the Auto Scaling limit), was "
              + healthCheckGracePeriod);
    }
    probe = probe == null ? "private" : probe.toLowerCase(Locale.ROOT);
    if (!List.of("private", "public", "none").contains(probe)) {
      throw new IllegalArgumentException(
          "fleet.probe '" + probe + "' is not one of private, public, none");
    }
    inServiceTimeout =
        AwsSettings.positiveOr(inServiceTimeout, Duration.ofMinutes(5), "fleet.inServiceTimeout");
    drainTimeout =
        AwsSettings.positiveOr(drainTimeout, Duration.ofMinutes(5), "fleet.drainTimeout");
    deleteTimeout =
        AwsSettings.positiveOr(deleteTimeout, Duration.ofMinutes(15), "fleet.deleteTimeout");
  }

  public static FleetSettings defaults() {
    return new FleetSettings(null, null, null, null, null, null, null, null, null, null, null);
  }

  /** The group's bounds for {@code desired} instances: never below min, never above max. */
  public int minFor(int desired) {
    return minSize == null ? desired : Math.min(minSize, desired);
  }

  public int maxFor(int desired) {
    return Math.max(maxSize == null ? desired : maxSize, Math.max(desired, 1));
  }

  private static List<String> checked(List<String> ids, Pattern p, String key, String example) {
    List<String> out = ids == null ? List.of() : List.copyOf(ids);
    for (String id : out) {
      if (id == null || !p.matcher(id).matches()) {
        throw new IllegalArgumentException(key + ": '" + id + "' is not " + example);
      }
    }
    return out;
  }
}
