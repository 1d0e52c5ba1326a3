package dev.unideploy.provider.azure.fleet;

import com.azure.resourcemanager.compute.fluent.models.VirtualMachineScaleSetVMInstanceViewInner;
import com.azure.resourcemanager.compute.models.InstanceViewStatus;
import dev.unideploy.pipeline.spi.InstanceState.Lifecycle;
import dev.unideploy.pipeline.spi.InstanceState.Traffic;
import java.util.List;
import java.util.Locale;

/**
 * Reads an instance view: its {@code ProvisioningState/...} and {@code PowerState/...} statuses
 * give the lifecycle, its {@code vmHealth} (the health probe's verdict, see
 * https://learn.microsoft.com/azure/virtual-machine-scale-sets/virtual-machine-scale-sets-health-extension)
 * gives the traffic. Raw facts only: whether that is healthy enough is the rollout's call.
 */
final class InstanceStates {
  private InstanceStates() {}

  /** The lifecycle and the words Azure gave for it. */
  record Life(Lifecycle lifecycle, String reason) {}

  static Life lifecycle(VirtualMachineScaleSetVMInstanceViewInner view) {
    List<InstanceViewStatus> statuses =
        view == null || view.statuses() == null ? List.of() : view.statuses();
    String provisioning = null;
    String power = null;
    String why = "";
    for (InstanceViewStatus s : statuses) {
      String code = s.code() == null ? "" : s.code().toLowerCase(Locale.ROOT);
      if (code.startsWith("provisioningstate/")) {
        provisioning = code.substring("provisioningstate/".length());
        if (provisioning.startsWith("failed")) {
          why = text(s);
        }
      } else if (code.startsWith("powerstate/")) {
        power = code.substring("powerstate/".length());
      }
    }
    if (provisioning != null && provisioning.startsWith("failed")) {
      return new Life(Lifecycle.FAILED, "provisioning failed: " + why);
    }
    if ("deleting".equals(provisioning)) {
      return new Life(Lifecycle.STOPPING, "being deleted");
    }
    if (power == null) {
      return new Life(Lifecycle.PENDING, provisioning == null ? "no status yet" : provisioning);
    }
    return switch (power) {
      case "running" ->
          "creating".equals(provisioning)
              ? new Life(Lifecycle.PENDING, "creating")
              : new Life(Lifecycle.RUNNING, "");
      case "starting" -> new Life(Lifecycle.PENDING, "starting");
      case "stopping", "deallocating" -> new Life(Lifecycle.STOPPING, power);
      case "stopped", "deallocated" ->
          new Life(Lifecycle.TERMINATED, power + " (the guest powered off, or it was stopped)");
      default -> new Life(Lifecycle.PENDING, "power state " + power);
    };
  }

  /**
   * The traffic the health probe reports. Azure probes an instance whether or not it is in the
   * backend pool (the probe is the scale set's health probe), so healthy and unhealthy stand as
   * they are; with no verdict yet, an instance in the pool is INITIAL and one outside it is
   * NOT_REGISTERED.
   */
  static Traffic traffic(VirtualMachineScaleSetVMInstanceViewInner view, boolean inPool) {
    String code = healthCode(view);
    if (code.endsWith("/healthy")) {
      return Traffic.HEALTHY;
    }
    if (code.endsWith("/unhealthy")) {
      return Traffic.UNHEALTHY;
    }
    return inPool ? Traffic.INITIAL : Traffic.NOT_REGISTERED;
  }

  /** The vmHealth status code in lower case ({@code healthstate/healthy}), or "". */
  static String healthCode(VirtualMachineScaleSetVMInstanceViewInner view) {
    if (view == null || view.vmHealth() == null || view.vmHealth().status() == null) {
      return "";
    }
    String c = view.vmHealth().status().code();
    return c == null ? "" : c.toLowerCase(Locale.ROOT);
  }

  private static String text(InstanceViewStatus s) {
    if (s.message() != null && !s.message().isBlank()) {
      return s.message();
    }
    return s.displayStatus() == null ? s.code() : s.displayStatus();
  }
}
