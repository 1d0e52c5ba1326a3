package dev.unideploy.provider.aws.fleet;

import dev.unideploy.pipeline.UnideployException;
import dev.unideploy.pipeline.resilience.Deadline;
import dev.unideploy.pipeline.spi.ServerGroupSpec;
import dev.unideploy.provider.aws.call.AwsCall;
import dev.unideploy.provider.aws.call.AwsCallException;
import dev.unideploy.provider.aws.clients.AwsClients;
import dev.unideploy.provider.aws.settings.FleetSettings;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import software.amazon.awssdk.services.autoscaling.AutoScalingClient;
import software.amazon.awssdk.services.autoscaling.model.AutoScalingGroup;
import software.amazon.awssdk.services.autoscaling.model.DescribeAutoScalingGroupsResponse;
import software.amazon.awssdk.services.autoscaling.model.LaunchTemplateSpecification;

/**
 * The Auto Scaling groups of one region that unideploy made, one per release: found by tag, and
 * refused by name when a group of that name is someone else's. Every change goes to a group whose
 * tags were checked first.
 */
final class ScalingGroups {
  private final AwsClients clients;
  private final AwsCall calls;
  private final String region;

  ScalingGroups(AwsClients clients, AwsCall calls, String region) {
    this.clients = clients;
    this.calls = calls;
    this.region = region;
  }

  /** The app's groups (every app's when null), oldest first. */
  List<ManagedGroup> list(String app) {
    List<ManagedGroup> found = new ArrayList<>();
    String token = null;
    do {
      String next = token;
      DescribeAutoScalingGroupsResponse page =
          calls.call(
              region,
              "DescribeAutoScalingGroups",
              () ->
                  asg()
                      .describeAutoScalingGroups(
                          r -> r.filters(FleetTags.groupFilters(app)).nextToken(next)));
      for (AutoScalingGroup g : page.autoScalingGroups()) {
        ManagedGroup m = ManagedGroup.of(g);
        if (FleetTags.ours(m.tags(), app)) {
          found.add(m);
        }
      }
      token = page.nextToken();
    } while (token != null && !token.isEmpty());
    found.sort(Comparator.comparing(ManagedGroup::createdAt).thenComparing(ManagedGroup::name));
    return found;
  }

  /**
   * The group called {@code name}, when it exists; one that unideploy did not make for {@code app}
   * is refused, so that nothing else is ever changed.
   */
  Optional<ManagedGroup> byName(String name, String app) {
    List<AutoScalingGroup> found =
        calls.call(
            region,
            "DescribeAutoScalingGroups",
            () ->
                asg()
                    .describeAutoScalingGroups(r -> r.autoScalingGroupNames(name))
                    .autoScalingGroups());
    if (found.isEmpty()) {
      return Optional.empty();
    }
    ManagedGroup g = ManagedGroup.of(found.get(0));
    if (!FleetTags.ours(g.tags(), app) || !name.equals(g.tags().get(FleetTags.GROUP))) {
      throw new UnideployException(
          "an Auto Scaling group named "
              + name
              + " exists in "
              + region
              + " and unideploy did not create it for app "
              + app
              + " (it lacks the tags unideploy:managed=true, unideploy:app="
              + app
              + ", unideploy:group="
              + name
              + "); unideploy does not touch it: rename or delete it, or deploy under another app"
              + " name");
    }
    return Optional.of(g);
  }

  /** Creates the group, launching from {@code template}, attached to no target group. */
  void create(
      ServerGroupSpec spec,
      LaunchTemplates.TemplateVersion template,
      FleetSettings fleet,
      Instant now) {
    try {
      calls.run(
          region,
          "CreateAutoScalingGroup",
          () ->
              asg()
                  .createAutoScalingGroup(
                      r ->
                          r.autoScalingGroupName(spec.name())
                              .launchTemplate(
                                  LaunchTemplateSpecification.builder()
                                      .launchTemplateId(template.templateId())
                                      .version(Long.toString(template.version()))
                                      .build())
                              .minSize(fleet.minFor(spec.size()))
                              .maxSize(fleet.maxFor(spec.size()))
                              .desiredCapacity(spec.size())
                              .vpcZoneIdentifier(String.join(",", fleet.subnets()))
                              // ELB health: an instance its target groups find unhealthy after
                              // the grace period is replaced, as a crashed one is.
                              .healthCheckType("ELB")
                              .healthCheckGracePeriod(
                                  (int) fleet.healthCheckGracePeriod().toSeconds())
                              .tags(
                                  FleetTags.forGroup(
                                      spec, Long.toString(template.version()), now, spec.name()))));
    } catch (AwsCallException e) {
      // An earlier attempt whose answer was lost made it: the caller reads it back by name.
      if (!e.hasCode("AlreadyExists")) {
        throw e;
      }
    }
  }

  void resize(ManagedGroup g, int min, int max, int desired) {
    calls.run(
        region,
        "UpdateAutoScalingGroup",
        () ->
            asg()
                .updateAutoScalingGroup(
                    r ->
                        r.autoScalingGroupName(g.name())
                            .minSize(min)
                            .maxSize(max)
                            .desiredCapacity(desired)));
  }

  void attach(ManagedGroup g, List<String> targetGroups) {
    calls.run(
        region,
        "AttachLoadBalancerTargetGroups",
        () ->
            asg()
                .attachLoadBalancerTargetGroups(
                    r -> r.autoScalingGroupName(g.name()).targetGroupARNs(targetGroups)));
  }

  void detach(ManagedGroup g, List<String> targetGroups) {
    calls.run(
        region,
        "DetachLoadBalancerTargetGroups",
        () ->
            asg()
                .detachLoadBalancerTargetGroups(
                    r -> r.autoScalingGroupName(g.name()).targetGroupARNs(targetGroups)));
  }

  /** Deletes the group with its instances, and returns when Auto Scaling no longer lists it. */
  void delete(ManagedGroup g, Duration timeout, Duration poll) {
    if (!g.deleting()) {
      try {
        calls.run(
            region,
            "DeleteAutoScalingGroup",
            () ->
                asg()
                    .deleteAutoScalingGroup(
                        r -> r.autoScalingGroupName(g.name()).forceDelete(true)));
      } catch (AwsCallException e) {
        if (!e.getMessage().contains("not found")) {
          throw e;
        }
      }
    }
    new Deadline("Auto Scaling group " + g.name() + " to be deleted", timeout, poll)
        .await(
            () -> byName(g.name(), g.app()).isEmpty(),
            () -> "Delete in progress",
            "re-run to wait for it again, or raise providers.aws.fleet.deleteTimeout");
  }

  void terminate(String instanceId) {
    calls.run(
        region,
        "TerminateInstanceInAutoScalingGroup",
        () ->
            asg()
                .terminateInstanceInAutoScalingGroup(
                    r -> r.instanceId(instanceId).shouldDecrementDesiredCapacity(true)));
  }

  private AutoScalingClient asg() {
    return clients.autoScaling(region);
  }
}
