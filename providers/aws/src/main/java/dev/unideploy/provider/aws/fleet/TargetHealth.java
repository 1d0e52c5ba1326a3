package dev.unideploy.provider.aws.fleet;

import dev.unideploy.pipeline.resilience.Deadline;
import dev.unideploy.pipeline.spi.InstanceState.Traffic;
import dev.unideploy.provider.aws.call.AwsCall;
import dev.unideploy.provider.aws.clients.AwsClients;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.elasticloadbalancingv2.model.TargetDescription;
import software.amazon.awssdk.services.elasticloadbalancingv2.model.TargetHealthDescription;

/**
 * The load balancer's view of a group's instances: DescribeTargetHealth in each target group the
 * group is attached to, the worst state winning (healthy only when healthy everywhere).
 */
final class TargetHealth {
  private final AwsClients clients;
  private final AwsCall calls;
  private final String region;

  /** One instance's traffic state and the load balancer's words for it. */
  record View(Traffic traffic, String reason) {}

  TargetHealth(AwsClients clients, AwsCall calls, String region) {
    this.clients = clients;
    this.calls = calls;
    this.region = region;
  }

  /** Each instance's view across {@code targetGroups}; every one NOT_REGISTERED when none. */
  Map<String, View> of(List<String> targetGroups, List<String> instanceIds) {
    Map<String, View> views = new LinkedHashMap<>();
    instanceIds.forEach(id -> views.put(id, new View(Traffic.NOT_REGISTERED, "")));
    if (instanceIds.isEmpty()) {
      return views;
    }
    boolean first = true;
    for (String tg : targetGroups) {
      Map<String, View> here = new LinkedHashMap<>();
      for (TargetHealthDescription d : describe(tg, instanceIds)) {
        here.put(d.target().id(), view(d));
      }
      for (String id : instanceIds) {
        View v = here.getOrDefault(id, new View(Traffic.UNKNOWN, "not in " + tg));
        views.put(id, first ? v : worse(views.get(id), v));
      }
      first = false;
    }
    return views;
  }

  /**
   * Waits until every instance is healthy in every one of {@code targetGroups}: a group is in
   * service only once the load balancer sends it traffic, and only then may the previous group
   * leave
   * (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/target-group-health-checks.html).
   */
  void awaitHealthy(
      List<String> targetGroups, List<String> instanceIds, Duration timeout, Duration poll) {
    if (targetGroups.isEmpty() || instanceIds.isEmpty()) {
      return;
    }
    new Deadline("targets " + instanceIds + " to be healthy in " + targetGroups, timeout, poll)
        .await(
            () ->
                of(targetGroups, instanceIds).values().stream()
                    .allMatch(v -> v.traffic() == Traffic.HEALTHY),
            () -> of(targetGroups, instanceIds).toString(),
            "check the target group's health check (path, port, security group rules from the"
                + " load balancer), or raise providers.aws.fleet.inServiceTimeout");
  }

  /**
   * Waits until no instance is draining in {@code targetGroups} any more (deregistration delay), so
   * that stopping them afterwards drops no request in flight.
   */
  void awaitDrained(
      List<String> targetGroups, List<String> instanceIds, Duration timeout, Duration poll) {
    if (targetGroups.isEmpty() || instanceIds.isEmpty()) {
      return;
    }
    new Deadline("targets " + instanceIds + " to finish draining", timeout, poll)
        .await(
            () ->
                of(targetGroups, instanceIds).values().stream()
                    .noneMatch(v -> v.traffic() == Traffic.DRAINING),
            () -> of(targetGroups, instanceIds).toString(),
            "raise providers.aws.fleet.drainTimeout to the target groups' deregistration delay");
  }

  private List<TargetHealthDescription> describe(String targetGroup, List<String> instanceIds) {
    return calls.call(
        region,
        "DescribeTargetHealth",
        () ->
            clients
                .loadBalancing(region)
                .describeTargetHealth(
                    r ->
                        r.targetGroupArn(targetGroup)
                            .targets(
                                instanceIds.stream()
                                    .map(id -> TargetDescription.builder().id(id).build())
                                    .toList()))
                .targetHealthDescriptions());
  }

  /** States as ELBv2 spells them (TargetHealthStateEnum). */
  private static View view(TargetHealthDescription d) {
    String state = d.targetHealth().stateAsString();
    String reason =
        d.targetHealth().description() != null
            ? d.targetHealth().description()
            : d.targetHealth().reasonAsString();
    Traffic t =
        switch (state == null ? "" : state) {
          case "initial" -> Traffic.INITIAL;
          case "healthy" -> Traffic.HEALTHY;
          case "unhealthy", "unhealthy.draining" -> Traffic.UNHEALTHY;
          case "draining" -> Traffic.DRAINING;
          case "unused" -> Traffic.NOT_REGISTERED;
          default -> Traffic.UNKNOWN;
        };
    return new View(t, reason == null ? "" : reason);
  }

  private static View worse(View a, View b) {
    return rank(a.traffic()) >= rank(b.traffic()) ? a : b;
  }

  private static int rank(Traffic t) {
    return switch (t) {
      case HEALTHY -> 0;
      case NOT_REGISTERED -> 1;
      case UNKNOWN -> 2;
      case INITIAL -> 3;
      case DRAINING -> 4;
      case UNHEALTHY -> 5;
    };
  }
}
