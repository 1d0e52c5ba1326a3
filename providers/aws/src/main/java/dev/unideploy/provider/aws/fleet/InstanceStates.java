package dev.unideploy.provider.aws.fleet;

import dev.unideploy.pipeline.spi.InstanceState;
import dev.unideploy.pipeline.spi.InstanceState.Lifecycle;
import java.net.InetSocketAddress;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.autoscaling.model.Instance;

/**
 * Puts the three views of one instance together: Auto Scaling's (lifecycle, health), EC2's (state,
 * addresses) and the load balancer's ({@link TargetHealth}). The provider reports; the rollout
 * engine judges.
 */
final class InstanceStates {
  private InstanceStates() {}

  /**
   * @param ec2 EC2's record of the instance, or null while EC2 does not list it yet
   * @param probe {@code private}, {@code public} or {@code none} (providers.aws.fleet.probe)
   * @param port the guest port probes go to, or null for no probe
   */
  static InstanceState of(
      Instance asg,
      software.amazon.awssdk.services.ec2.model.Instance ec2,
      TargetHealth.View traffic,
      String probe,
      Integer port) {
    Lifecycle lifecycle;
    String reason;
    String asgState = asg.lifecycleStateAsString() == null ? "" : asg.lifecycleStateAsString();
    if (ec2 == null) {
      lifecycle = asgState.startsWith("Terminat") ? Lifecycle.TERMINATED : Lifecycle.PENDING;
      reason = "Auto Scaling: " + asgState;
    } else {
      String state = ec2.state() == null ? "" : ec2.state().nameAsString();
      lifecycle =
          switch (state) {
            case "running" -> Lifecycle.RUNNING;
            case "stopping", "shutting-down" -> Lifecycle.STOPPING;
            case "stopped", "terminated" -> Lifecycle.TERMINATED;
            default -> Lifecycle.PENDING;
          };
      reason =
          ec2.stateReason() != null && ec2.stateReason().message() != null
              ? ec2.stateReason().message()
              : "";
      if (lifecycle == Lifecycle.RUNNING && asgState.startsWith("Terminat")) {
        lifecycle = Lifecycle.STOPPING;
        reason = "Auto Scaling: " + asgState;
      }
    }
    if (lifecycle == Lifecycle.RUNNING && "Unhealthy".equalsIgnoreCase(asg.healthStatus())) {
      lifecycle = Lifecycle.FAILED;
      reason = "Auto Scaling marked it unhealthy and replaces it";
    }
    if (!traffic.reason().isEmpty() && reason.isEmpty()) {
      reason = traffic.reason();
    }
    Map<String, String> attributes = new LinkedHashMap<>();
    attributes.put("zone", asg.availabilityZone() == null ? "" : asg.availabilityZone());
    attributes.put("autoScaling", asgState + "/" + asg.healthStatus());
    Optional<InetSocketAddress> address = Optional.empty();
    if (ec2 != null) {
      put(attributes, "privateIp", ec2.privateIpAddress());
      put(attributes, "publicIp", ec2.publicIpAddress());
      put(attributes, "instanceType", ec2.instanceTypeAsString());
      String ip =
          switch (probe) {
            case "public" -> ec2.publicIpAddress();
            case "private" -> ec2.privateIpAddress();
            default -> null;
          };
      if (ip != null && port != null) {
        // An IP literal: no name lookup happens.
        address = Optional.of(new InetSocketAddress(ip, port));
      }
    }
    return new InstanceState(
        asg.instanceId(), lifecycle, traffic.traffic(), reason, address, attributes);
  }

  private static void put(Map<String, String> m, String k, String v) {
    if (v != null) {
      m.put(k, v);
    }
  }
}
