package dev.unideploy.provider.azure.fleet;

import com.azure.core.management.SubResource;
import com.azure.resourcemanager.compute.fluent.models.VirtualMachineScaleSetInner;
import com.azure.resourcemanager.compute.models.ApiEntityReference;
import com.azure.resourcemanager.compute.models.BootDiagnostics;
import com.azure.resourcemanager.compute.models.CachingTypes;
import com.azure.resourcemanager.compute.models.DiagnosticsProfile;
import com.azure.resourcemanager.compute.models.DiskCreateOptionTypes;
import com.azure.resourcemanager.compute.models.ImageReference;
import com.azure.resourcemanager.compute.models.LinuxConfiguration;
import com.azure.resourcemanager.compute.models.OrchestrationMode;
import com.azure.resourcemanager.compute.models.Sku;
import com.azure.resourcemanager.compute.models.SshConfiguration;
import com.azure.resourcemanager.compute.models.SshPublicKey;
import com.azure.resourcemanager.compute.models.StorageAccountTypes;
import com.azure.resourcemanager.compute.models.UpgradeMode;
import com.azure.resourcemanager.compute.models.UpgradePolicy;
import com.azure.resourcemanager.compute.models.VirtualMachineScaleSetIpConfiguration;
import com.azure.resourcemanager.compute.models.VirtualMachineScaleSetManagedDiskParameters;
import com.azure.resourcemanager.compute.models.VirtualMachineScaleSetNetworkConfiguration;
import com.azure.resourcemanager.compute.models.VirtualMachineScaleSetNetworkProfile;
import com.azure.resourcemanager.compute.models.VirtualMachineScaleSetOSDisk;
import com.azure.resourcemanager.compute.models.VirtualMachineScaleSetOSProfile;
import com.azure.resourcemanager.compute.models.VirtualMachineScaleSetStorageProfile;
import com.azure.resourcemanager.compute.models.VirtualMachineScaleSetVMProfile;
import dev.unideploy.pipeline.spi.ServerGroupSpec;
import dev.unideploy.provider.azure.core.FleetSettings;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The scale set of one release as unideploy asks Azure for it: Uniform orchestration (instance ids,
 * {@code manualupgrade} and the per-instance {@code vmHealth} are Uniform's), upgrade policy Manual
 * (a model change reaches an instance only when unideploy upgrades it), no overprovisioning (Azure
 * would boot and delete extra instances, whose consoles a health gate would read), boot diagnostics
 * on managed storage, and the load balancer's probe as the health probe. It starts outside the
 * backend pool: {@link #withPool} puts it in and takes it out. See
 * https://learn.microsoft.com/rest/api/compute/virtual-machine-scale-sets/create-or-update.
 */
final class ScaleSetModel {
  static final String NIC = "nic";
  static final String IP_CONFIG = "ip";

  private ScaleSetModel() {}

  static VirtualMachineScaleSetInner of(
      ServerGroupSpec spec,
      FleetSettings fleet,
      String location,
      LoadBalancerRefs lb,
      String sshPublicKey,
      Instant now) {
    String user = fleet.adminUsername();
    VirtualMachineScaleSetVMProfile profile =
        new VirtualMachineScaleSetVMProfile()
            .withStorageProfile(
                new VirtualMachineScaleSetStorageProfile()
                    .withImageReference(new ImageReference().withId(spec.imageId()))
                    .withOsDisk(
                        new VirtualMachineScaleSetOSDisk()
                            .withCreateOption(DiskCreateOptionTypes.FROM_IMAGE)
                            .withCaching(CachingTypes.READ_WRITE)
                            .withManagedDisk(
                                new VirtualMachineScaleSetManagedDiskParameters()
                                    .withStorageAccountType(
                                        StorageAccountTypes.fromString(fleet.osDiskType())))))
            // Azure requires an OS profile for a generalized image; a unikernel ignores it.
            .withOsProfile(
                new VirtualMachineScaleSetOSProfile()
                    .withComputerNamePrefix(computerNamePrefix(spec.name()))
                    .withAdminUsername(user)
                    .withLinuxConfiguration(
                        new LinuxConfiguration()
                            .withDisablePasswordAuthentication(true)
                            .withProvisionVMAgent(false)
                            .withSsh(
                                new SshConfiguration()
                                    .withPublicKeys(
                                        List.of(
                                            new SshPublicKey()
                                                .withPath("/home/" + user + "/.ssh/authorized_keys")
                                                .withKeyData(sshPublicKey))))))
            .withNetworkProfile(
                new VirtualMachineScaleSetNetworkProfile()
                    .withHealthProbe(new ApiEntityReference().withId(lb.probeId()))
                    .withNetworkInterfaceConfigurations(
                        List.of(
                            new VirtualMachineScaleSetNetworkConfiguration()
                                .withName(NIC)
                                .withPrimary(true)
                                .withIpConfigurations(
                                    List.of(
                                        new VirtualMachineScaleSetIpConfiguration()
                                            .withName(IP_CONFIG)
                                            .withPrimary(true)
                                            .withSubnet(
                                                new ApiEntityReference()
                                                    .withId(fleet.requireSubnet()))
                                            .withLoadBalancerBackendAddressPools(
                                                new ArrayList<>()))))))
            // Managed boot diagnostics: no storage account to name, and the serial log is readable
            // through retrieveBootDiagnosticsData.
            .withDiagnosticsProfile(
                new DiagnosticsProfile()
                    .withBootDiagnostics(new BootDiagnostics().withEnabled(true)));
    VirtualMachineScaleSetInner s =
        new VirtualMachineScaleSetInner()
            .withSku(
                new Sku()
                    .withName(fleet.vmSize())
                    .withTier("Standard")
                    .withCapacity((long) spec.size()))
            .withOrchestrationMode(OrchestrationMode.UNIFORM)
            .withUpgradePolicy(new UpgradePolicy().withMode(UpgradeMode.MANUAL))
            .withOverprovision(false)
            .withSinglePlacementGroup(true)
            .withVirtualMachineProfile(profile);
    s.withLocation(location);
    s.withTags(FleetTags.forGroup(spec, now));
    return s;
  }

  /** 1-15 of the group name's letters, digits and hyphens: a valid prefix on Linux and Windows. */
  static String computerNamePrefix(String group) {
    String p = group.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]", "-");
    p = p.length() > 15 ? p.substring(p.length() - 15) : p;
    p = p.replaceAll("^-+|-+$", "");
    return p.isEmpty() || Character.isDigit(p.charAt(0)) ? "u" + p : p;
  }

  /** Whether the scale set's model puts its primary IP configurations in {@code poolId}. */
  static boolean inPool(VirtualMachineScaleSetInner s, String poolId) {
    if (s.virtualMachineProfile() == null || s.virtualMachineProfile().networkProfile() == null) {
      return false;
    }
    return inPool(
        s.virtualMachineProfile().networkProfile().networkInterfaceConfigurations(), poolId);
  }

  /** Whether any of these NIC configurations' IP configurations names {@code poolId}. */
  static boolean inPool(List<VirtualMachineScaleSetNetworkConfiguration> nics, String poolId) {
    if (nics == null) {
      return false;
    }
    for (VirtualMachineScaleSetNetworkConfiguration nic : nics) {
      for (VirtualMachineScaleSetIpConfiguration ip :
          nic.ipConfigurations() == null
              ? List.<VirtualMachineScaleSetIpConfiguration>of()
              : nic.ipConfigurations()) {
        if (ip.loadBalancerBackendAddressPools() != null
            && ip.loadBalancerBackendAddressPools().stream()
                .anyMatch(p -> p.id() != null && p.id().equalsIgnoreCase(poolId))) {
          return true;
        }
      }
    }
    return false;
  }

  /**
   * Puts the primary IP configuration of every NIC in {@code poolId} ({@code in}) or takes every IP
   * configuration out of it; other pools are left as they are. Returns whether the model changed.
   */
  static boolean withPool(VirtualMachineScaleSetInner s, String poolId, boolean in) {
    boolean changed = false;
    for (VirtualMachineScaleSetNetworkConfiguration nic :
        s.virtualMachineProfile().networkProfile().networkInterfaceConfigurations()) {
      for (VirtualMachineScaleSetIpConfiguration ip : nic.ipConfigurations()) {
        List<SubResource> pools =
            ip.loadBalancerBackendAddressPools() == null
                ? new ArrayList<>()
                : new ArrayList<>(ip.loadBalancerBackendAddressPools());
        boolean member =
            pools.stream().anyMatch(p -> p.id() != null && p.id().equalsIgnoreCase(poolId));
        if (in
            && !member
            && (Boolean.TRUE.equals(ip.primary()) || nic.ipConfigurations().size() == 1)) {
          pools.add(new SubResource().withId(poolId));
          changed = true;
        } else if (!in && member) {
          pools.removeIf(p -> p.id() != null && p.id().equalsIgnoreCase(poolId));
          changed = true;
        }
        ip.withLoadBalancerBackendAddressPools(pools);
      }
    }
    return changed;
  }
}
