package dev.unideploy.provider.azure.core;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.regex.Pattern;

/**
 * The {@code providers.azure.fleet} section: what each release's virtual machine scale set looks
 * like (size, subnet, admin user) and which load balancer puts it in service (its backend pool) and
 * judges its health (its probe, given to the scale set as {@code networkProfile.healthProbe}, since
 * a unikernel cannot run the Application Health extension).
 */
public record FleetSettings(
    @JsonProperty("vmSize") String vmSize,
    @JsonProperty("subnetId") String subnetId,
    @JsonProperty("loadBalancer") String loadBalancer,
    @JsonProperty("backendPool") String backendPool,
    @JsonProperty("probe") String probe,
    @JsonProperty("adminUsername") String adminUsername,
    @JsonProperty("sshPublicKey") String sshPublicKey,
    @JsonProperty("osDiskType") String osDiskType) {

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
  }

  public static FleetSettings defaults() {
    return new FleetSettings(null, null, null, null, null, null, null, null);
  }
}
