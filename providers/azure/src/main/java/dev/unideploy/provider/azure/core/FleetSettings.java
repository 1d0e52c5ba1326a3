package dev.unideploy.provider.azure.core;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The {@code providers.azure.fleet} section: what each release's virtual machine scale set looks
 * like (size, subnet, admin user) and which load balancer puts it in service (its backend pool) and
 * judges its health (its probe, given to the scale set as {@code networkProfile.healthProbe}, since
 * a unikernel cannot run the Application Health extension), and where this machine probes the
 * instances ({@code probeAddress}).
 */
public record FleetSettings(
    @JsonProperty("vmSize") @JsonPropertyDescription("The scale set's VM size (its SKU).")
        String vmSize,
    @JsonProperty("subnetId")
        @JsonPropertyDescription(
            "Resource id of the subnet the instances join; required for deploy.")
        String subnetId,
    @JsonProperty("loadBalancer")
        @JsonPropertyDescription(
            "The load balancer in resourceGroup that serves the app; required for deploy.")
        String loadBalancer,
    @JsonProperty("backendPool")
        @JsonPropertyDescription(
            "Its backend pool: a release is in service when its NICs are in it; required for deploy.")
        String backendPool,
    @JsonProperty("probe")
        @JsonPropertyDescription(
            "Its probe, given to each scale set as networkProfile.healthProbe (vmHealth); required for deploy.")
        String probe,
    @JsonProperty("adminUsername")
        @JsonPropertyDescription(
            "Admin user name Azure requires for generalized Linux images; the unikernel ignores it.")
        String adminUsername,
    @JsonProperty("sshPublicKey")
        @JsonPropertyDescription(
            "SSH public key Azure requires; default: a throwaway key made per scale set.")
        String sshPublicKey,
    @JsonProperty("osDiskType")
        @JsonPropertyDescription("Managed disk type of the instances' OS disks.")
        String osDiskType,
    @JsonProperty("probeAddress")
        @JsonPropertyDescription(
            "Where health probes go: private-ip (unideploy runs in the virtual network) or none (the load balancer probe decides).")
        String probeAddress) {
  /** Probes reach each instance at its private IP: unideploy runs inside the virtual network. */
  public static final String PRIVATE_IP = "private-ip";

  /** No direct probes: the load balancer probe's verdict (vmHealth) stands in for them. */
  public static final String NONE = "none";

  static final Pattern SUBNET =
      Pattern.compile(
          "/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\\.Network/virtualNetworks/"
              + "[^/]+/subnets/[^/]+",
          Pattern.CASE_INSENSITIVE);
  static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,79}");

  @JsonCreator
  public FleetSettings {
    vmSize = vmSize == null ? "Standard_B1s" : vmSize;
    if (!vmSize.matches("[A-Za-z0-9_]+")) {
      throw new IllegalArgumentException("fleet.vmSize '" + vmSize + "' is not a VM size name");
    }
    if (subnetId != null && !SUBNET.matcher(subnetId).matches()) {
      throw new IllegalArgumentException(
          "fleet.subnetId '"
              + subnetId
              + "' is not a subnet resource id: write /subscriptions/SUB/resourceGroups/RG/providers/"
              + "Microsoft.Network/virtualNetworks/VNET/subnets/SUBNET");
    }
    for (String[] kv :
        new String[][] {
          {"loadBalancer", loadBalancer}, {"backendPool", backendPool}, {"probe", probe}
        }) {
      if (kv[1] != null && !NAME.matcher(kv[1]).matches()) {
        throw new IllegalArgumentException(
            "fleet." + kv[0] + " '" + kv[1] + "' is not a load balancer resource name");
      }
    }
    adminUsername = adminUsername == null ? "unideploy" : adminUsername;
    if (!adminUsername.matches("[a-z_][a-z0-9_-]{0,31}")) {
      throw new IllegalArgumentException(
          "fleet.adminUsername '" + adminUsername + "' is not a Linux user name");
    }
    if (sshPublicKey != null && !sshPublicKey.startsWith("ssh-")) {
      throw new IllegalArgumentException(
          "fleet.sshPublicKey must be an OpenSSH public key line (ssh-rsa AAAA... or ssh-ed25519"
              + " AAAA...)");
    }
    osDiskType = osDiskType == null ? "Standard_LRS" : osDiskType;
    if (!List.of("Standard_LRS", "StandardSSD_LRS", "Premium_LRS", "StandardSSD_ZRS", "Premium_ZRS")
        .contains(osDiskType)) {
      throw new IllegalArgumentException(
          "fleet.osDiskType '"
              + osDiskType
              + "' is not a managed disk type: use Standard_LRS, StandardSSD_LRS, Premium_LRS,"
              + " StandardSSD_ZRS or Premium_ZRS");
    }
    probeAddress = probeAddress == null ? PRIVATE_IP : probeAddress.toLowerCase(Locale.ROOT);
    if (!probeAddress.equals(PRIVATE_IP) && !probeAddress.equals(NONE)) {
      throw new IllegalArgumentException(
          "fleet.probeAddress '"
              + probeAddress
              + "' is not supported: use private-ip (unideploy runs inside the virtual network)"
              + " or none (the load balancer probe decides)");
    }
  }

  /** Whether HTTP/TCP probes go to the instances' private IPs. */
  public boolean probesPrivateIp() {
    return PRIVATE_IP.equals(probeAddress);
  }

  /**
   * The load balancer, backend pool and probe deploys need; throws naming the missing key. The
   * subnet is checked separately: only creating a scale set needs it.
   */
  public void requireLoadBalancer() {
    for (String[] kv :
        new String[][] {
          {"loadBalancer", loadBalancer}, {"backendPool", backendPool}, {"probe", probe}
        }) {
      if (kv[1] == null) {
        throw new IllegalArgumentException(
            "providers.azure.fleet."
                + kv[0]
                + " is not set: deploys put each release behind a load balancer's backend pool and"
                + " judge it with the load balancer's probe; name them in providers.azure.fleet"
                + " (see docs/azure.md)");
      }
    }
  }

  public String requireSubnet() {
    if (subnetId == null) {
      throw new IllegalArgumentException(
          "providers.azure.fleet.subnetId is not set: write the resource id of the subnet the"
              + " instances join (/subscriptions/SUB/resourceGroups/RG/providers/"
              + "Microsoft.Network/virtualNetworks/VNET/subnets/SUBNET)");
    }
    return subnetId;
  }

  public static FleetSettings defaults() {
    return new FleetSettings(null, null, null, null, null, null, null, null, null);
  }
}
