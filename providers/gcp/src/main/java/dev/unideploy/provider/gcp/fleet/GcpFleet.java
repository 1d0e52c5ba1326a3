package dev.unideploy.provider.gcp.fleet;

import com.google.cloud.compute.v1.GetSerialPortOutputInstanceRequest;
import com.google.cloud.compute.v1.Image;
import com.google.cloud.compute.v1.Instance;
import com.google.cloud.compute.v1.InstanceGroupManager;
import com.google.cloud.compute.v1.InstanceGroupManagerAutoHealingPolicy;
import com.google.cloud.compute.v1.ManagedInstance;
import com.google.cloud.compute.v1.NamedPort;
import com.google.cloud.compute.v1.SerialPortOutput;
import dev.unideploy.pipeline.UnideployException;
import dev.unideploy.pipeline.events.EventSink;
import dev.unideploy.pipeline.events.LogEvent;
import dev.unideploy.pipeline.spi.ConsoleChunk;
import dev.unideploy.pipeline.spi.Fleet;
import dev.unideploy.pipeline.spi.InstanceState;
import dev.unideploy.pipeline.spi.ServerGroup;
import dev.unideploy.pipeline.spi.ServerGroupSpec;
import dev.unideploy.provider.gcp.api.GcpCall;
import dev.unideploy.provider.gcp.api.GcpCallException;
import dev.unideploy.provider.gcp.api.GcpClients;
import dev.unideploy.provider.gcp.api.GlobalCalls;
import dev.unideploy.provider.gcp.api.OperationWaiter;
import dev.unideploy.provider.gcp.config.GcpFleetSettings;
import dev.unideploy.provider.gcp.config.GcpSettings;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Releases as managed instance groups: an instance template and a group per release ({@code
 * {app}-v{NNN}}, zonal or regional), autohealed by the configured health check; "in service" means
 * the group is a backend of the configured backend service. Groups and templates carry no labels,
 * so unideploy marks them in their description; instances carry its labels from the template.
 */
public final class GcpFleet implements Fleet, AutoCloseable {
  private final GcpClients clients;
  private final GcpFleetSettings fleet;
  private final EventSink events;
  private final GcpCall calls;
  private final String project;
  private final ManagedGroups groups;
  private final Templates templates;
  private final Backends backends;
  private final Draining draining;

  public GcpFleet(GcpClients clients, GcpSettings settings, EventSink events) {
    this.clients = clients;
    this.fleet = settings.fleet();
    this.events = events;
    this.calls = clients.calls();
    this.project = clients.project();
    OperationWaiter waiter = new OperationWaiter(calls, events, settings.timeouts().pollInterval());
    this.groups = new ManagedGroups(clients, waiter, fleet, settings.timeouts().operation());
    GlobalCalls global =
        new GlobalCalls(
            calls, waiter, clients.globalOperations(), project, settings.timeouts().operation());
    this.templates = new Templates(clients, global, fleet, settings.image().controller());
    this.backends =
        fleet.backendService() == null
            ? null
            : new Backends(
                clients,
                waiter,
                events,
                fleet.backendService(),
                fleet,
                settings.timeouts().operation());
    this.draining = new Draining(events, d -> Thread.sleep(d.toMillis()));
  }

  @Override
  public List<ServerGroup> serverGroups(String app) {
    List<ServerGroup> out = new ArrayList<>();
    var service = backends == null ? null : backends.read();
    // App names are lowercase letters, digits and '-' (checked when the config is read): no
    // regular expression quoting needed, and RE2 (the API's filter engine) has no \Q...\E.
    for (InstanceGroupManager igm : groups.list(app + "-v[0-9]+")) {
      Optional<GroupDescription> d = GroupDescription.parse(igm.getDescription());
      if (d.isPresent() && d.get().app().equals(app)) {
        boolean inService = service != null && backends.contains(service, igm.getInstanceGroup());
        out.add(group(igm, d.get(), inService));
      }
    }
    out.sort(Comparator.comparing(ServerGroup::name));
    return out;
  }

  @Override
  public ServerGroup create(ServerGroupSpec spec) {
    Optional<InstanceGroupManager> existing = groups.get(spec.name());
    GroupDescription release =
        new GroupDescription(spec.app(), spec.version(), spec.imageId(), spec.guestPorts());
    if (existing.isPresent()) {
      events.emit(
          LogEvent.info(
              "create", spec.name() + " exists already (an earlier run made it): using it"));
      return group(existing.get(), release, false);
    }
    Image image =
        calls.call(
            "images.get",
            () -> clients.images().get(projectOf(spec.imageId()), nameOf(spec.imageId())));
    String template = templates.ensure(spec.name(), release, image);
    InstanceGroupManager.Builder igm =
        InstanceGroupManager.newBuilder()
            .setName(spec.name())
            .setDescription(release.text())
            .setBaseInstanceName(baseName(spec.name()))
            .setInstanceTemplate(template)
            .setTargetSize(spec.size());
    if (fleet.healthCheck() != null) {
      igm.addAutoHealingPolicies(
          InstanceGroupManagerAutoHealingPolicy.newBuilder()
              .setHealthCheck(healthCheckLink())
              .setInitialDelaySec((int) fleet.initialDelay().toSeconds()));
    }
    fleet
        .namedPorts()
        .forEach((n, p) -> igm.addNamedPorts(NamedPort.newBuilder().setName(n).setPort(p)));
    if (groups.regional() && !fleet.zones().isEmpty()) {
      var policy = com.google.cloud.compute.v1.DistributionPolicy.newBuilder();
      for (String z : fleet.zones()) {
        policy.addZones(
            com.google.cloud.compute.v1.DistributionPolicyZoneConfiguration.newBuilder()
                .setZone("projects/" + project + "/zones/" + z));
      }
      igm.setDistributionPolicy(policy);
    }
    return group(groups.insert(igm.build()), release, false);
  }

  @Override
  public List<InstanceState> instances(ServerGroup group) {
    Map<String, String> health = Map.of();
    if (group.inService() && backends != null) {
      try {
        health = backends.health(group.attributes().get("instanceGroup"));
      } catch (GcpCallException e) {
        events.emit(LogEvent.debug("deploy", "getHealth: " + e.getMessage()));
        health = null;
      }
    }
    List<Integer> ports = new ArrayList<>();
    for (String p : group.attributes().getOrDefault("ports", "").split(",")) {
      if (!p.isBlank()) {
        ports.add(Integer.parseInt(p.strip()));
      }
    }
    List<InstanceState> out = new ArrayList<>();
    for (ManagedInstance m : groups.managed(group.name())) {
      if (!ManagedInstanceStates.leaving(m)) {
        out.add(state(group, m, health, ports));
      }
    }
    return out;
  }

  private InstanceState state(
      ServerGroup group, ManagedInstance m, Map<String, String> health, List<Integer> ports) {
    String link = Backends.tail(m.getInstance());
    String zone = link.replaceAll(".*/zones/([^/]+)/.*", "$1");
    String name = link.substring(link.lastIndexOf('/') + 1);
    String id = zone + "/" + name;
    InstanceState.Lifecycle lifecycle = ManagedInstanceStates.lifecycle(m);
    InstanceState.Traffic traffic = ManagedInstanceStates.traffic(group.inService(), health, link);
    Map<String, String> attributes = new LinkedHashMap<>();
    attributes.put("zone", zone);
    attributes.put("instance", link);
    Optional<InetSocketAddress> probe = Optional.empty();
    if (lifecycle == InstanceState.Lifecycle.RUNNING && !fleet.probeAddress().equals("none")) {
      Optional<String> ip = address(zone, name, attributes);
      if (ip.isPresent() && !ports.isEmpty()) {
        probe = Optional.of(new InetSocketAddress(ip.get(), ports.get(0)));
      }
    }
    return new InstanceState(
        id, lifecycle, traffic, ManagedInstanceStates.reason(m), probe, attributes);
  }

  /** The address probes use (internal or NAT IP, as configured); facts go to attributes. */
  private Optional<String> address(String zone, String name, Map<String, String> attributes) {
    Instance instance;
    try {
      instance = calls.call("instances.get", () -> clients.instances().get(project, zone, name));
    } catch (GcpCallException e) {
      if (e.notFound()) {
        return Optional.empty();
      }
      throw e;
    }
    if (instance.getNetworkInterfacesCount() == 0) {
      return Optional.empty();
    }
    var nic = instance.getNetworkInterfaces(0);
    attributes.put("internalIp", nic.getNetworkIP());
    String nat = nic.getAccessConfigsCount() > 0 ? nic.getAccessConfigs(0).getNatIP() : "";
    if (!nat.isEmpty()) {
      attributes.put("externalIp", nat);
    }
    String ip = fleet.probeAddress().equals("external") ? nat : nic.getNetworkIP();
    return ip.isEmpty() ? Optional.empty() : Optional.of(ip);
  }

  @Override
  public ConsoleChunk console(ServerGroup group, String instanceId, long from) {
    int slash = instanceId.indexOf('/');
    if (slash < 0) {
      throw new UnideployException(
          "instance id '" + instanceId + "' is not ZONE/NAME as `instances list` shows it");
    }
    String zone = instanceId.substring(0, slash);
    String name = instanceId.substring(slash + 1);
    try {
      SerialPortOutput out =
          calls.call(
              "instances.getSerialPortOutput",
              () ->
                  clients
                      .instances()
                      .getSerialPortOutputCallable()
                      .call(
                          GetSerialPortOutputInstanceRequest.newBuilder()
                              .setProject(project)
                              .setZone(zone)
                              .setInstance(name)
                              .setPort(1)
                              .setStart(from)
                              .build()));
      return new ConsoleChunk(out.getContents(), out.getNext());
    } catch (GcpCallException e) {
      if (e.notFound()) {
        return new ConsoleChunk("", from); // recreated or deleted meanwhile
      }
      throw e;
    }
  }

  @Override
  public void attach(ServerGroup group) {
    if (backends == null) {
      events.emit(
          LogEvent.warn(
              "attach",
              "no providers.gcp.fleet.backendService: "
                  + group.name()
                  + " runs but no load balancer sends it traffic"));
      return;
    }
    backends.attach(group.attributes().get("instanceGroup"));
  }

  @Override
  public void detach(ServerGroup group) {
    if (backends != null) {
      leave(group);
    }
  }

  /** Takes the group out of the backend service and lets its connections drain. */
  private void leave(ServerGroup group) {
    backends
        .detach(group.attributes().get("instanceGroup"))
        .ifPresent(
            time -> draining.await(group.name(), group.desiredSize(), backends.describe(), time));
  }

  @Override
  public void resize(ServerGroup group, int size) {
    groups.resize(group.name(), size);
  }

  @Override
  public void destroy(ServerGroup group) {
    if (backends != null && group.attributes().containsKey("instanceGroup")) {
      // The API refuses to delete a group that is still a backend.
      leave(group);
    }
    groups.delete(group.name());
    templates.delete(group.name());
  }

  @Override
  public void terminate(ServerGroup group, String instanceId) {
    String zone = instanceId.substring(0, Math.max(0, instanceId.indexOf('/')));
    String name = instanceId.substring(instanceId.indexOf('/') + 1);
    groups.deleteInstances(
        group.name(), List.of("projects/" + project + "/zones/" + zone + "/instances/" + name));
  }

  private ServerGroup group(InstanceGroupManager igm, GroupDescription d, boolean inService) {
    Map<String, String> attributes = new LinkedHashMap<>();
    attributes.put("instanceGroup", Backends.tail(igm.getInstanceGroup()));
    attributes.put("instanceTemplate", Backends.tail(igm.getInstanceTemplate()));
    attributes.put(groups.regional() ? "region" : "zone", groups.location());
    attributes.put("ports", String.join(",", d.ports().stream().map(String::valueOf).toList()));
    return new ServerGroup(
        igm.getName(),
        d.app(),
        d.version(),
        d.imageId(),
        igm.getTargetSize(),
        inService,
        created(igm.getCreationTimestamp()),
        attributes);
  }

  private static Instant created(String timestamp) {
    try {
      return timestamp.isEmpty() ? null : OffsetDateTime.parse(timestamp).toInstant();
    } catch (java.time.format.DateTimeParseException e) {
      return null;
    }
  }

  private String healthCheckLink() {
    String hc = fleet.healthCheck();
    return hc.contains("/") ? hc : "projects/" + project + "/global/healthChecks/" + hc;
  }

  /** Instance names are the base name and 4 characters; the base may have at most 58. */
  private static String baseName(String group) {
    return group.length() <= 58 ? group : group.substring(0, 58).replaceAll("-+$", "");
  }

  private String projectOf(String imageId) {
    var m = java.util.regex.Pattern.compile("projects/([^/]+)/").matcher(imageId);
    return m.find() ? m.group(1) : project;
  }

  private static String nameOf(String imageId) {
    return imageId.substring(imageId.lastIndexOf('/') + 1);
  }

  @Override
  public void close() {
    clients.close();
  }
}
