package dev.unideploy.provider.azure.fleet;

import com.azure.core.management.exception.ManagementException;
import com.azure.resourcemanager.compute.fluent.models.VirtualMachineScaleSetInner;
import com.azure.resourcemanager.compute.fluent.models.VirtualMachineScaleSetVMInner;
import com.azure.resourcemanager.compute.fluent.models.VirtualMachineScaleSetVMInstanceViewInner;
import dev.unideploy.pipeline.UnideployException;
import dev.unideploy.pipeline.events.EventSink;
import dev.unideploy.pipeline.events.LogEvent;
import dev.unideploy.pipeline.spi.ConsoleChunk;
import dev.unideploy.pipeline.spi.Fleet;
import dev.unideploy.pipeline.spi.InstanceState;
import dev.unideploy.pipeline.spi.ServerGroup;
import dev.unideploy.pipeline.spi.ServerGroupSpec;
import dev.unideploy.provider.azure.core.AzureClients;
import dev.unideploy.provider.azure.core.AzureErrors;
import dev.unideploy.provider.azure.core.AzurePortal;
import dev.unideploy.provider.azure.core.AzureSettings;
import dev.unideploy.provider.azure.core.FleetSettings;
import dev.unideploy.provider.azure.core.Lro;
import dev.unideploy.provider.azure.publish.AzureTags;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Server groups as virtual machine scale sets, one per release, made from the release's gallery
 * image version. In service means the scale set's IP configurations are in the configured load
 * balancer backend pool (a model update, then {@code manualupgrade} of every instance); traffic is
 * each instance's {@code vmHealth}, the verdict of the load balancer probe that is the scale set's
 * health probe; the console is the boot-diagnostics serial log.
 *
 * <p>Instances are named as Azure names them, {@code <scale set>_<instance id>}. Every scale set
 * carries unideploy's tags and is found by them; one without them is never changed.
 */
public final class AzureFleet implements Fleet {
  private final AzureClients clients;
  private final AzureSettings settings;
  private final FleetSettings fleet;
  private final ScaleSets scaleSets;
  private final BootDiagnosticsConsole console;
  private final PrivateAddresses addresses;
  private final AzurePortal portal;
  private final EventSink events;
  private final Clock clock;
  private final String poolId;

  public AzureFleet(AzureClients clients, EventSink events, Clock clock) {
    this.clients = clients;
    this.settings = clients.settings();
    this.fleet = settings.fleet();
    this.scaleSets = new ScaleSets(clients);
    this.console = new BootDiagnosticsConsole(clients, scaleSets.resourceGroup(), clock);
    this.addresses = new PrivateAddresses(clients, scaleSets.resourceGroup());
    this.portal = new AzurePortal(settings);
    this.events = events;
    this.clock = clock;
    this.poolId =
        LoadBalancerRefs.poolOrNull(clients.subscription(), scaleSets.resourceGroup(), fleet);
  }

  private LoadBalancerRefs loadBalancer() {
    return LoadBalancerRefs.of(clients.subscription(), scaleSets.resourceGroup(), fleet);
  }

  @Override
  public List<ServerGroup> serverGroups(String app) {
    return scaleSets.list(app).stream()
        .map(this::group)
        .sorted(Comparator.comparing(ServerGroup::createdAt).thenComparing(ServerGroup::name))
        .toList();
  }

  @Override
  public ServerGroup create(ServerGroupSpec spec) {
    VirtualMachineScaleSetInner existing = scaleSets.ours(spec.name(), spec.app());
    if (existing != null) {
      events.emit(
          LogEvent.info("create", "scale set " + spec.name() + " exists (an earlier run made it)"));
      return group(existing);
    }
    requireImageVersion(spec.imageId());
    LoadBalancerRefs lb = loadBalancer();
    lb.check(clients, scaleSets.resourceGroup(), fleet);
    String key = fleet.sshPublicKey() != null ? fleet.sshPublicKey() : ThrowawaySshKey.generate();
    VirtualMachineScaleSetInner model;
    try {
      model = ScaleSetModel.of(spec, fleet, settings.requireLocation(), lb, key, clock.instant());
    } catch (IllegalArgumentException e) {
      throw new UnideployException(e.getMessage(), e);
    }
    scaleSets.begin(spec.name(), model);
    events.emit(
        LogEvent.info(
            "create",
            "creating scale set "
                + spec.name()
                + " ("
                + spec.size()
                + " x "
                + fleet.vmSize()
                + ", not in service) from "
                + shortImage(spec.imageId())));
    VirtualMachineScaleSetInner made = scaleSets.find(spec.name());
    if (made == null) {
      throw new UnideployException(
          "Azure accepted scale set " + spec.name() + " but does not show it; re-run");
    }
    return group(made);
  }

  @Override
  public List<InstanceState> instances(ServerGroup group) {
    VirtualMachineScaleSetInner s = scaleSets.ours(group.name(), group.app());
    if (s == null) {
      return List.of();
    }
    List<Integer> ports = FleetTags.ports(s.tags());
    List<InstanceState> out = new ArrayList<>();
    for (VirtualMachineScaleSetVMInner vm : vms(group.name())) {
      VirtualMachineScaleSetVMInstanceViewInner view = view(group.name(), vm);
      if (view == null) {
        continue; // deleted between the listing and now
      }
      out.add(state(group.name(), vm, view, ports));
    }
    return out;
  }

  private InstanceState state(
      String name,
      VirtualMachineScaleSetVMInner vm,
      VirtualMachineScaleSetVMInstanceViewInner view,
      List<Integer> ports) {
    InstanceStates.Life life = InstanceStates.lifecycle(view);
    boolean inPool =
        poolId != null
            && vm.networkProfileConfiguration() != null
            && ScaleSetModel.inPool(
                vm.networkProfileConfiguration().networkInterfaceConfigurations(), poolId);
    InstanceState.Traffic traffic = InstanceStates.traffic(view, inPool);
    String ip =
        life.lifecycle() == InstanceState.Lifecycle.RUNNING
            ? addresses.privateIp(name, vm.instanceId())
            : addresses.known(name, vm.instanceId());
    Optional<java.net.InetSocketAddress> probe =
        fleet.probesPrivateIp() && ip != null && !ports.isEmpty()
            ? Optional.of(PrivateAddresses.socket(ip, ports.get(0)))
            : Optional.empty();
    Map<String, String> attrs = new LinkedHashMap<>();
    attrs.put("instanceId", vm.instanceId());
    if (ip != null) {
      attrs.put("privateIp", ip);
    }
    attrs.put("vmHealth", InstanceStates.healthCode(view).replace("healthstate/", ""));
    attrs.put("inPool", String.valueOf(inPool));
    attrs.put("latestModelApplied", String.valueOf(Boolean.TRUE.equals(vm.latestModelApplied())));
    String link = portal.link(vm.id());
    if (link != null) {
      attrs.put("consoleUrl", link);
    }
    String reason = life.reason();
    if (traffic == InstanceState.Traffic.UNHEALTHY
        && view.vmHealth().status().displayStatus() != null) {
      reason = (reason.isEmpty() ? "" : reason + "; ") + view.vmHealth().status().displayStatus();
    }
    return new InstanceState(
        instanceName(name, vm), life.lifecycle(), traffic, reason, probe, attrs);
  }

  private List<VirtualMachineScaleSetVMInner> vms(String name) {
    List<VirtualMachineScaleSetVMInner> out = new ArrayList<>();
    try {
      clients
          .compute()
          .getVirtualMachineScaleSetVMs()
          .list(scaleSets.resourceGroup(), name)
          .forEach(out::add);
    } catch (ManagementException e) {
      if (AzureErrors.notFound(e)) {
        return List.of();
      }
      throw Lro.failed("listing the instances of scale set " + name, e);
    }
    out.sort(Comparator.comparingLong(v -> instanceNumber(v.instanceId())));
    return out;
  }

  private VirtualMachineScaleSetVMInstanceViewInner view(
      String name, VirtualMachineScaleSetVMInner vm) {
    try {
      return clients
          .compute()
          .getVirtualMachineScaleSetVMs()
          .getInstanceView(scaleSets.resourceGroup(), name, vm.instanceId());
    } catch (ManagementException e) {
      if (AzureErrors.notFound(e)) {
        return null;
      }
      throw Lro.failed("reading the instance view of " + instanceName(name, vm), e);
    }
  }

  @Override
  public ConsoleChunk console(ServerGroup group, String instanceId, long from) {
    return console.read(group.name(), instanceIndex(group.name(), instanceId), from);
  }

  @Override
  public void attach(ServerGroup group) {
    LoadBalancerRefs lb = loadBalancer();
    lb.check(clients, scaleSets.resourceGroup(), fleet);
    VirtualMachineScaleSetInner s = scaleSets.settled(group.name(), group.app());
    if (s == null) {
      throw new UnideployException(
          "scale set " + group.name() + " no longer exists, so it cannot go in service; re-run");
    }
    pool(s, lb.poolId(), true);
  }

  @Override
  public void detach(ServerGroup group) {
    if (poolId == null) {
      loadBalancer(); // fails naming the missing key
    }
    VirtualMachineScaleSetInner s = scaleSets.settled(group.name(), group.app());
    if (s != null) {
      pool(s, poolId, false);
    }
  }

  /** Brings the model and then every instance in ({@code in}) or out of the backend pool. */
  private void pool(VirtualMachineScaleSetInner s, String pool, boolean in) {
    String name = s.name();
    if (ScaleSetModel.withPool(s, pool, in)) {
      scaleSets.put(
          name,
          s,
          (in ? "adding scale set " : "removing scale set ")
              + name
              + (in ? " to" : " from")
              + " the backend pool");
    }
    List<String> behind = new ArrayList<>();
    for (VirtualMachineScaleSetVMInner vm : vms(name)) {
      boolean member =
          vm.networkProfileConfiguration() != null
              && ScaleSetModel.inPool(
                  vm.networkProfileConfiguration().networkInterfaceConfigurations(), pool);
      if (member != in || !Boolean.TRUE.equals(vm.latestModelApplied())) {
        behind.add(vm.instanceId());
      }
    }
    scaleSets.upgrade(name, behind);
    events.emit(
        LogEvent.info(
            in ? "attach" : "detach",
            "scale set "
                + name
                + (in ? " is in" : " is out of")
                + " backend pool "
                + fleet.backendPool()
                + (behind.isEmpty() ? "" : " (" + behind.size() + " instance(s) upgraded)")));
  }

  @Override
  public void resize(ServerGroup group, int size) {
    if (size < 0) {
      throw new IllegalArgumentException("size must be >= 0, was " + size);
    }
    VirtualMachineScaleSetInner s = scaleSets.settled(group.name(), group.app());
    if (s == null) {
      if (size == 0) {
        return;
      }
      throw new UnideployException(
          "scale set " + group.name() + " no longer exists, so it cannot be resized; re-run");
    }
    if (s.sku().capacity() != null && s.sku().capacity() == size) {
      return;
    }
    scaleSets.capacity(group.name(), s.sku(), size);
    events.emit(
        LogEvent.info("resize", "scale set " + group.name() + " now has " + size + " instance(s)"));
  }

  @Override
  public void destroy(ServerGroup group) {
    VirtualMachineScaleSetInner s = scaleSets.ours(group.name(), group.app());
    if (s == null) {
      return;
    }
    // A Uniform scale set's instances, OS disks and NICs are deleted with it; nothing else is
    // made per release.
    scaleSets.delete(group.name());
    addresses.forget(group.name());
    events.emit(LogEvent.info("destroy", "deleted scale set " + group.name()));
  }

  @Override
  public void terminate(ServerGroup group, String instanceId) {
    String index = instanceIndex(group.name(), instanceId);
    if (scaleSets.ours(group.name(), group.app()) == null) {
      throw new UnideployException(
          "scale set " + group.name() + " does not exist: see unideploy instances list");
    }
    scaleSets.deleteInstance(group.name(), index);
    events.emit(LogEvent.info("terminate", "deleted instance " + instanceId));
  }

  private ServerGroup group(VirtualMachineScaleSetInner s) {
    Map<String, String> tags = s.tags() == null ? Map.of() : s.tags();
    String image = tags.get(FleetTags.IMAGE);
    if (image == null
        && s.virtualMachineProfile() != null
        && s.virtualMachineProfile().storageProfile() != null
        && s.virtualMachineProfile().storageProfile().imageReference() != null) {
      image = s.virtualMachineProfile().storageProfile().imageReference().id();
    }
    Map<String, String> attrs = new LinkedHashMap<>();
    attrs.put("id", s.id());
    attrs.put("vmSize", s.sku() == null ? "" : String.valueOf(s.sku().name()));
    attrs.put("provisioningState", String.valueOf(s.provisioningState()));
    String link = portal.link(s.id());
    if (link != null) {
      attrs.put("consoleUrl", link);
    }
    return new ServerGroup(
        s.name(),
        tags.get(AzureTags.APP),
        tags.get(AzureTags.APP_VERSION),
        image,
        s.sku() == null || s.sku().capacity() == null ? 0 : s.sku().capacity().intValue(),
        poolId != null && ScaleSetModel.inPool(s, poolId),
        createdAt(s, tags),
        attrs);
  }

  private static Instant createdAt(VirtualMachineScaleSetInner s, Map<String, String> tags) {
    try {
      if (tags.get(FleetTags.CREATED_AT) != null) {
        return Instant.parse(tags.get(FleetTags.CREATED_AT));
      }
    } catch (java.time.format.DateTimeParseException e) {
      // a tag edited by hand: fall back to Azure's own time
    }
    return s.timeCreated() == null ? Instant.EPOCH : s.timeCreated().toInstant();
  }

  /** Azure's name of a Uniform scale set's instance: {@code <scale set>_<instance id>}. */
  static String instanceName(String scaleSet, VirtualMachineScaleSetVMInner vm) {
    return vm.name() != null ? vm.name() : scaleSet + "_" + vm.instanceId();
  }

  /** The instance id of {@code <scale set>_<id>} (or of a bare id) in this scale set. */
  static String instanceIndex(String scaleSet, String instance) {
    String id =
        instance.startsWith(scaleSet + "_") ? instance.substring(scaleSet.length() + 1) : instance;
    if (!id.matches("\\d{1,9}")) {
      throw new UnideployException(
          "'"
              + instance
              + "' is not an instance of scale set "
              + scaleSet
              + " (its instances are "
              + scaleSet
              + "_0, "
              + scaleSet
              + "_1, ...): see unideploy instances list");
    }
    return id;
  }

  private static long instanceNumber(String id) {
    try {
      return Long.parseLong(id);
    } catch (NumberFormatException e) {
      return Long.MAX_VALUE;
    }
  }

  /** A gallery image version (or a managed image) id: what the publish step returns. */
  static void requireImageVersion(String imageId) {
    String lower = imageId.toLowerCase(java.util.Locale.ROOT);
    boolean version =
        lower.startsWith("/subscriptions/")
            && (lower.contains("/providers/microsoft.compute/galleries/")
                    && lower.contains("/versions/")
                || lower.contains("/providers/microsoft.compute/images/"));
    if (!version) {
      throw new UnideployException(
          "image '"
              + imageId
              + "' is not an Azure gallery image version id: deploy what `unideploy publish"
              + " --provider azure` published (/subscriptions/.../galleries/G/images/I/versions/V)");
    }
  }

  private static String shortImage(String id) {
    int g = id.toLowerCase(java.util.Locale.ROOT).indexOf("/galleries/");
    return g < 0 ? id : id.substring(g + 1);
  }
}
