package dev.unideploy.provider.azure.fleet;

import com.azure.core.management.exception.ManagementException;
import com.azure.resourcemanager.network.fluent.models.LoadBalancerInner;
import dev.unideploy.pipeline.UnideployException;
import dev.unideploy.provider.azure.core.AzureClients;
import dev.unideploy.provider.azure.core.AzureErrors;
import dev.unideploy.provider.azure.core.FleetSettings;
import dev.unideploy.provider.azure.core.Lro;

/**
 * The resource ids of the configured load balancer, backend pool and probe (all in the provider's
 * resource group), and a check that they exist before a scale set names them.
 */
record LoadBalancerRefs(String loadBalancerId, String poolId, String probeId) {

  static LoadBalancerRefs of(String subscription, String resourceGroup, FleetSettings fleet) {
    try {
      fleet.requireLoadBalancer();
    } catch (IllegalArgumentException e) {
      throw new UnideployException(e.getMessage(), e);
    }
    String lb =
        "/subscriptions/"
            + subscription
            + "/resourceGroups/"
            + resourceGroup
            + "/providers/Microsoft.Network/loadBalancers/"
            + fleet.loadBalancer();
    return new LoadBalancerRefs(
        lb, lb + "/backendAddressPools/" + fleet.backendPool(), lb + "/probes/" + fleet.probe());
  }

  /** The pool id when the fleet names a pool, else null (listing needs no load balancer). */
  static String poolOrNull(String subscription, String resourceGroup, FleetSettings fleet) {
    return fleet.loadBalancer() == null || fleet.backendPool() == null
        ? null
        : of(subscription, resourceGroup, fleet).poolId();
  }

  /** Fails, saying what to create or fix, when the load balancer, pool or probe is missing. */
  void check(AzureClients clients, String resourceGroup, FleetSettings fleet) {
    LoadBalancerInner lb;
    try {
      lb =
          clients
              .network()
              .getLoadBalancers()
              .getByResourceGroup(resourceGroup, fleet.loadBalancer());
    } catch (ManagementException e) {
      if (AzureErrors.notFound(e)) {
        throw new UnideployException(
            "load balancer "
                + fleet.loadBalancer()
                + " does not exist in resource group "
                + resourceGroup
                + ": create it (with a backend pool and a probe), or fix"
                + " providers.azure.fleet.loadBalancer");
      }
      throw Lro.failed("reading load balancer " + fleet.loadBalancer(), e);
    }
    if (lb.backendAddressPools() == null
        || lb.backendAddressPools().stream().noneMatch(p -> poolId.equalsIgnoreCase(p.id()))) {
      throw new UnideployException(
          "load balancer "
              + fleet.loadBalancer()
              + " has no backend pool "
              + fleet.backendPool()
              + ": add it, or fix providers.azure.fleet.backendPool");
    }
    if (lb.probes() == null
        || lb.probes().stream().noneMatch(p -> probeId.equalsIgnoreCase(p.id()))) {
      throw new UnideployException(
          "load balancer "
              + fleet.loadBalancer()
              + " has no probe "
              + fleet.probe()
              + ": add one that checks the app's port, or fix providers.azure.fleet.probe");
    }
  }
}
