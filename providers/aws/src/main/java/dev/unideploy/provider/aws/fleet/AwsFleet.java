package dev.unideploy.provider.aws.fleet;

import dev.unideploy.pipeline.UnideployException;
import dev.unideploy.pipeline.events.EventSink;
import dev.unideploy.pipeline.events.LogEvent;
import dev.unideploy.pipeline.spi.ConsoleChunk;
import dev.unideploy.pipeline.spi.Fleet;
import dev.unideploy.pipeline.spi.InstanceState;
import dev.unideploy.pipeline.spi.ServerGroup;
import dev.unideploy.pipeline.spi.ServerGroupSpec;
import dev.unideploy.provider.aws.call.AwsCall;
import dev.unideploy.provider.aws.clients.AwsClients;
import dev.unideploy.provider.aws.settings.AwsSettings;
import dev.unideploy.provider.aws.settings.FleetSettings;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import software.amazon.awssdk.services.autoscaling.model.Instance;

/**
 * The {@link Fleet} on AWS, in the home region: a launch template per app with a version per
 * release ({@link LaunchTemplates}), an Auto Scaling group per release ({@link ScalingGroups}) with
 * ELB health checks, in service when attached to the configured target groups; traffic from
 * DescribeTargetHealth ({@link TargetHealth}), the console from GetConsoleOutput ({@link
 * ConsoleReader}). Everything is tagged and found again by tag; what unideploy did not create is
 * never changed.
 */
public final class AwsFleet implements Fleet, AutoCloseable {
  private final AwsClients clients;
  private final AwsSettings settings;
  private final FleetSettings fleet;
  private final EventSink events;
  private final Clock clock;
  private final String region;
  private final LaunchTemplates templates;
  private final ScalingGroups groups;
  private final TargetHealth targets;
  private final ConsoleReader consoles;

  public AwsFleet(AwsClients clients, AwsSettings settings, EventSink events, Clock clock) {
    this.clients = clients;
    this.settings = settings;
    this.fleet = settings.fleet();
    this.events = events;
    this.clock = clock;
    this.region = clients.homeRegion();
    AwsCall calls = new AwsCall(clients.policy());
    this.templates = new LaunchTemplates(clients, calls, region, events);
    this.groups = new ScalingGroups(clients, calls, region);
    this.targets = new TargetHealth(clients, calls, region);
    this.consoles = new ConsoleReader(clients, calls, region);
  }

  @Override
  public List<ServerGroup> serverGroups(String app) {
    return groups.list(app).stream().map(g -> g.toServerGroup(fleet.targetGroups())).toList();
  }

  @Override
  public ServerGroup create(ServerGroupSpec spec) {
    requireDeploySettings();
    Optional<ManagedGroup> existing = groups.byName(spec.name(), spec.app());
    if (existing.isEmpty()) {
      LaunchTemplates.TemplateVersion template = templates.versionFor(spec, fleet);
      groups.create(spec, template, fleet, clock.instant());
      events.emit(
          LogEvent.info(
              "create",
              "Auto Scaling group "
                  + spec.name()
                  + " in "
                  + region
                  + ": "
                  + spec.size()
                  + " x "
                  + fleet.instanceType()
                  + " from "
                  + spec.imageId()
                  + " ("
                  + template.templateName()
                  + " version "
                  + template.version()
                  + "), not in service yet"));
    }
    return require(spec.name(), spec.app()).toServerGroup(fleet.targetGroups());
  }

  @Override
  public List<InstanceState> instances(ServerGroup group) {
    Optional<ManagedGroup> found = groups.byName(group.name(), group.app());
    if (found.isEmpty()) {
      return List.of();
    }
    ManagedGroup g = found.get();
    List<String> ids = g.instances().stream().map(Instance::instanceId).toList();
    Map<String, software.amazon.awssdk.services.ec2.model.Instance> ec2 = describe(ids);
    Map<String, TargetHealth.View> traffic = targets.of(g.attachedOf(fleet.targetGroups()), ids);
    List<InstanceState> out = new ArrayList<>();
    for (Instance i : g.instances()) {
      out.add(
          InstanceStates.of(
              i,
              ec2.get(i.instanceId()),
              traffic.get(i.instanceId()),
              fleet.probe(),
              g.firstPort()));
    }
    return out;
  }

  @Override
  public ConsoleChunk console(ServerGroup group, String instanceId, long from) {
    requireMember(group, instanceId);
    return consoles.read(instanceId, from);
  }

  /** Attaches the group to the target groups and returns once its targets are healthy there. */
  @Override
  public void attach(ServerGroup group) {
    ManagedGroup g = require(group.name(), group.app());
    if (g.deleting()) {
      throw new UnideployException(
          group.name() + " is being deleted by Auto Scaling: it cannot go in service");
    }
    List<String> missing =
        fleet.targetGroups().stream().filter(tg -> !g.targetGroups().contains(tg)).toList();
    if (!missing.isEmpty()) {
      groups.attach(g, missing);
      events.emit(
          LogEvent.info("attach", group.name() + " attached to target group(s) " + missing));
    }
    targets.awaitHealthy(
        fleet.targetGroups(),
        g.instances().stream().map(Instance::instanceId).toList(),
        fleet.inServiceTimeout(),
        settings.waits().pollInterval());
  }

  @Override
  public void detach(ServerGroup group) {
    Optional<ManagedGroup> found = groups.byName(group.name(), group.app());
    if (found.isEmpty() || found.get().deleting()) {
      return; // gone or going: out of service either way
    }
    ManagedGroup g = found.get();
    List<String> attached = g.targetGroups();
    // Only the configured target groups, and any a run detached halfway; never others' changes.
    List<String> ours = attached.stream().filter(fleet.targetGroups()::contains).toList();
    if (!ours.isEmpty()) {
      groups.detach(g, ours);
      events.emit(LogEvent.info("detach", group.name() + " detached from " + ours + "; draining"));
    }
    targets.awaitDrained(
        fleet.targetGroups(),
        g.instances().stream().map(Instance::instanceId).toList(),
        fleet.drainTimeout(),
        settings.waits().pollInterval());
  }

  @Override
  public void resize(ServerGroup group, int size) {
    if (size < 0) {
      throw new IllegalArgumentException("size must be >= 0, was " + size);
    }
    Optional<ManagedGroup> found = groups.byName(group.name(), group.app());
    if (found.isEmpty() || found.get().deleting()) {
      if (size == 0) {
        return;
      }
      throw new UnideployException(
          group.name() + " no longer exists in " + region + ": it cannot be resized to " + size);
    }
    ManagedGroup g = found.get();
    int min = fleet.minFor(size);
    int max = fleet.maxFor(size);
    if (g.desired() != size || g.min() != min || g.max() != max) {
      groups.resize(g, min, max, size);
      events.emit(LogEvent.info("resize", group.name() + " desired size " + size));
    }
  }

  @Override
  public void destroy(ServerGroup group) {
    Optional<ManagedGroup> found = groups.byName(group.name(), group.app());
    if (found.isPresent()) {
      ManagedGroup g = found.get();
      if (!g.deleting()) {
        detach(group);
      }
      groups.delete(g, fleet.deleteTimeout(), settings.waits().pollInterval());
      events.emit(LogEvent.info("destroy", "deleted Auto Scaling group " + group.name()));
    }
    Set<Long> inUse = new HashSet<>();
    for (ManagedGroup other : groups.list(group.app())) {
      if (!other.name().equals(group.name()) && other.templateVersion() > 0) {
        inUse.add(other.templateVersion());
      }
    }
    templates.release(group.app(), group.name(), inUse);
  }

  @Override
  public void terminate(ServerGroup group, String instanceId) {
    ManagedGroup g = requireMember(group, instanceId);
    if (g.min() > 0 && g.desired() - 1 < g.min()) {
      // Auto Scaling refuses to go below the minimum: lower it with the desired size.
      groups.resize(g, g.desired() - 1, g.max(), g.desired());
    }
    groups.terminate(instanceId);
    events.emit(LogEvent.info("terminate", "terminating " + instanceId + " of " + group.name()));
  }

  private ManagedGroup require(String name, String app) {
    return groups
        .byName(name, app)
        .orElseThrow(
            () ->
                new UnideployException(
                    "Auto Scaling group " + name + " does not exist in " + region));
  }

  private ManagedGroup requireMember(ServerGroup group, String instanceId) {
    ManagedGroup g = require(group.name(), group.app());
    if (g.instances().stream().noneMatch(i -> i.instanceId().equals(instanceId))) {
      throw new UnideployException(
          "instance " + instanceId + " is not part of " + group.name() + ": see instances list");
    }
    return g;
  }

  private Map<String, software.amazon.awssdk.services.ec2.model.Instance> describe(
      List<String> ids) {
    Map<String, software.amazon.awssdk.services.ec2.model.Instance> out = new HashMap<>();
    if (ids.isEmpty()) {
      return out;
    }
    AwsCall calls = new AwsCall(clients.policy());
    try {
      calls
          .call(
              region,
              "DescribeInstances",
              () -> clients.ec2(region).describeInstances(r -> r.instanceIds(ids)))
          .reservations()
          .forEach(r -> r.instances().forEach(i -> out.put(i.instanceId(), i)));
    } catch (dev.unideploy.provider.aws.call.AwsCallException e) {
      // Auto Scaling lists an instance a moment before EC2 does: it is reported as pending.
      if (!e.hasCode("InvalidInstanceID.NotFound")) {
        throw e;
      }
    }
    return out;
  }

  /** The settings a deploy cannot do without, named with what to write. */
  private void requireDeploySettings() {
    List<String> missing = new ArrayList<>();
    if (fleet.subnets().isEmpty()) {
      missing.add("providers.aws.fleet.subnets (the subnets instances start in)");
    }
    if (fleet.targetGroups().isEmpty()) {
      missing.add(
          "providers.aws.fleet.targetGroups (the target groups that put a release in service)");
    }
    if (!missing.isEmpty()) {
      throw new UnideployException(
          "deploying to aws needs " + String.join(" and ", missing) + ": see docs/aws.md, Deploy");
    }
  }

  @Override
  public void close() {
    clients.close();
  }
}
