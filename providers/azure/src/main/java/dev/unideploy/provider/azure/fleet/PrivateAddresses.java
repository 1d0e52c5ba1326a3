package dev.unideploy.provider.azure.fleet;

import com.azure.core.management.exception.ManagementException;
import com.azure.resourcemanager.network.fluent.models.NetworkInterfaceInner;
import com.azure.resourcemanager.network.fluent.models.NetworkInterfaceIpConfigurationInner;
import dev.unideploy.provider.azure.core.AzureClients;
import dev.unideploy.provider.azure.core.AzureErrors;
import dev.unideploy.provider.azure.core.Lro;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The private IP of each scale-set instance, read from its primary NIC once it has one and kept for
 * the instance's life (Azure does not change it while the instance exists). See
 * https://learn.microsoft.com/rest/api/virtualnetwork/network-interface-in-vm-ss/list-virtual-machine-scale-set-vm-network-interfaces.
 */
final class PrivateAddresses {
  private final AzureClients clients;
  private final String resourceGroup;
  private final Map<String, String> known = new ConcurrentHashMap<>();

  PrivateAddresses(AzureClients clients, String resourceGroup) {
    this.clients = clients;
    this.resourceGroup = resourceGroup;
  }

  /** The instance's private IP, looked up when not known yet; null when it has none yet. */
  String privateIp(String scaleSet, String instanceId) {
    String key = scaleSet + "/" + instanceId;
    String ip = known.get(key);
    if (ip != null) {
      return ip;
    }
    try {
      for (NetworkInterfaceInner nic :
          clients
              .network()
              .getNetworkInterfaces()
              .listVirtualMachineScaleSetVMNetworkInterfaces(resourceGroup, scaleSet, instanceId)) {
        if (nic.ipConfigurations() == null || Boolean.FALSE.equals(nic.primary())) {
          continue;
        }
        for (NetworkInterfaceIpConfigurationInner c : nic.ipConfigurations()) {
          if (c.privateIpAddress() != null && !Boolean.FALSE.equals(c.primary())) {
            known.put(key, c.privateIpAddress());
            return c.privateIpAddress();
          }
        }
      }
    } catch (ManagementException e) {
      if (AzureErrors.notFound(e)) {
        return null;
      }
      throw Lro.failed("reading the network interfaces of " + scaleSet + "_" + instanceId, e);
    }
    return null;
  }

  /** The IP already known for the instance, without asking Azure. */
  String known(String scaleSet, String instanceId) {
    return known.get(scaleSet + "/" + instanceId);
  }

  void forget(String scaleSet) {
    known.keySet().removeIf(k -> k.startsWith(scaleSet + "/"));
  }

  /** The socket address of an IP literal (no name lookup) and a port. */
  static InetSocketAddress socket(String ip, int port) {
    if (!ip.matches("[0-9a-fA-F:.]{2,45}")) {
      throw new IllegalStateException("Azure reported '" + ip + "' as a private IP");
    }
    try {
      return new InetSocketAddress(InetAddress.getByName(ip), port);
    } catch (UnknownHostException e) {
      throw new IllegalStateException("Azure reported '" + ip + "' as a private IP", e);
    }
  }
}
