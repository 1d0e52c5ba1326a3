package dev.unideploy.provider.azure.fleet;

import com.azure.core.management.exception.ManagementException;
import com.azure.core.util.polling.SyncPoller;
import com.azure.resourcemanager.compute.fluent.VirtualMachineScaleSetsClient;
import com.azure.resourcemanager.compute.fluent.models.VirtualMachineScaleSetInner;
import com.azure.resourcemanager.compute.models.Sku;
import com.azure.resourcemanager.compute.models.VirtualMachineScaleSetUpdate;
import com.azure.resourcemanager.compute.models.VirtualMachineScaleSetVMInstanceRequiredIDs;
import dev.unideploy.pipeline.UnideployException;
import dev.unideploy.pipeline.resilience.Deadline;
import dev.unideploy.provider.azure.core.AzureClients;
import dev.unideploy.provider.azure.core.AzureErrors;
import dev.unideploy.provider.azure.core.AzureSettings;
import dev.unideploy.provider.azure.core.Lro;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The scale-set calls of the fleet, each fenced: a scale set is only ever changed after it was read
 * back with unideploy's tags for the app, so nothing unideploy did not make is touched. Changes
 * wait for the scale set to settle first, since Azure refuses a change while another one runs (409
 * OperationNotAllowed), and then wait for their own operation under the deadline.
 */
final class ScaleSets {
  private static final Set<String> BUSY = Set.of("creating", "updating", "deleting", "migrating");

  private final AzureClients clients;
  private final AzureSettings settings;
  private final String rg;

  ScaleSets(AzureClients clients) {
    this.clients = clients;
    this.settings = clients.settings();
    this.rg = settings.requireResourceGroup();
  }

  String resourceGroup() {
    return rg;
  }

  private VirtualMachineScaleSetsClient client() {
    return clients.compute().getVirtualMachineScaleSets();
  }

  /** The scale sets of {@code app} (every app when null) that unideploy made. */
  List<VirtualMachineScaleSetInner> list(String app) {
    List<VirtualMachineScaleSetInner> out = new ArrayList<>();
    try {
      for (VirtualMachineScaleSetInner s : client().listByResourceGroup(rg)) {
        if (FleetTags.ours(s.tags(), app)) {
          out.add(s);
        }
      }
    } catch (ManagementException e) {
      throw Lro.failed("listing the scale sets of resource group " + rg, e);
    }
    return out;
  }

  /** The scale set, or null when there is none of that name. */
  VirtualMachineScaleSetInner find(String name) {
    try {
      return client().getByResourceGroup(rg, name);
    } catch (ManagementException e) {
      if (AzureErrors.notFound(e)) {
        return null;
      }
      throw Lro.failed("reading scale set " + name, e);
    }
  }

  /**
   * The scale set when it is unideploy's for {@code app}; null when it is gone; an error when a
   * scale set of that name belongs to something else.
   */
  VirtualMachineScaleSetInner ours(String name, String app) {
    VirtualMachineScaleSetInner s = find(name);
    if (s != null && !FleetTags.ours(s.tags(), app)) {
      throw new UnideployException(
          "scale set "
              + name
              + " in resource group "
              + rg
              + " was not made by unideploy for app "
              + app
              + " (its tags say otherwise), so unideploy leaves it alone: rename or remove it, or"
              + " use another resource group");
    }
    return s;
  }

  /** Waits until no operation runs on the scale set; returns it (null once it is gone). */
  VirtualMachineScaleSetInner settled(String name, String app) {
    AtomicReference<VirtualMachineScaleSetInner> last = new AtomicReference<>();
    new Deadline(
            "scale set " + name + " to finish its current operation",
            settings.waits().operation(),
            settings.waits().pollInterval())
        .await(
            () -> {
              VirtualMachineScaleSetInner s = ours(name, app);
              last.set(s);
              return s == null || !busy(s);
            },
            () -> last.get() == null ? "gone" : last.get().provisioningState(),
            "raise providers.azure.waits.operation, or re-run to go on waiting");
    return last.get();
  }

  static boolean busy(VirtualMachineScaleSetInner s) {
    String p = s.provisioningState();
    return p != null && BUSY.contains(p.toLowerCase(Locale.ROOT));
  }

  /** Sends the creation of a scale set and returns once Azure accepted it (instances boot on). */
  void begin(String name, VirtualMachineScaleSetInner model) {
    try {
      client().beginCreateOrUpdate(rg, name, model).poll();
    } catch (RuntimeException e) {
      throw Lro.failed("creating scale set " + name, e);
    }
  }

  /** Writes the scale set's model and waits until Azure has applied it. */
  void put(String name, VirtualMachineScaleSetInner model, String what) {
    await(() -> client().beginCreateOrUpdate(rg, name, model), what);
  }

  /** Sets the scale set's capacity (PATCH of its SKU) and waits until Azure has scaled. */
  void capacity(String name, Sku sku, int size) {
    await(
        () ->
            client()
                .beginUpdate(
                    rg,
                    name,
                    new VirtualMachineScaleSetUpdate()
                        .withSku(
                            new Sku()
                                .withName(sku.name())
                                .withTier(sku.tier())
                                .withCapacity((long) size))),
        "scaling scale set " + name + " to " + size + " instance(s)");
  }

  /** Brings {@code instanceIds} to the scale set's latest model (manualupgrade). */
  void upgrade(String name, List<String> instanceIds) {
    if (instanceIds.isEmpty()) {
      return;
    }
    await(
        () ->
            client()
                .beginUpdateInstances(
                    rg,
                    name,
                    new VirtualMachineScaleSetVMInstanceRequiredIDs().withInstanceIds(instanceIds)),
        "upgrading instances " + instanceIds + " of scale set " + name + " to its model");
  }

  void delete(String name) {
    try {
      await(() -> client().beginDelete(rg, name), "deleting scale set " + name);
    } catch (UnideployException e) {
      if (!AzureErrors.notFound(e)) {
        throw e;
      }
    }
  }

  /** Deletes one instance; Azure lowers the scale set's capacity by one. */
  void deleteInstance(String name, String instanceId) {
    try {
      await(
          () -> clients.compute().getVirtualMachineScaleSetVMs().beginDelete(rg, name, instanceId),
          "deleting instance " + instanceId + " of scale set " + name);
    } catch (UnideployException e) {
      if (!AzureErrors.notFound(e)) {
        throw e;
      }
    }
  }

  private void await(java.util.function.Supplier<SyncPoller<?, ?>> start, String what) {
    SyncPoller<?, ?> poller;
    try {
      poller = start.get();
    } catch (RuntimeException e) {
      throw Lro.failed(what, e);
    }
    Lro.await(poller, what, settings.waits().operation(), settings.waits().pollInterval());
  }
}
