package dev.unideploy.provider.azure.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.azure.resourcemanager.compute.fluent.models.VirtualMachineScaleSetVMInstanceViewInner;
import com.azure.resourcemanager.compute.models.InstanceViewStatus;
import dev.unideploy.pipeline.UnideployException;
import dev.unideploy.pipeline.spi.InstanceState.Lifecycle;
import dev.unideploy.pipeline.spi.InstanceState.Traffic;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How an instance view's statuses and vmHealth become lifecycle and traffic. */
class InstanceStatesTest {

  private static VirtualMachineScaleSetVMInstanceViewInner view(String... codes) {
    List<InstanceViewStatus> statuses =
        java.util.Arrays.stream(codes)
            .map(c -> new InstanceViewStatus().withCode(c).withMessage("Boot failed: disk"))
            .toList();
    return new VirtualMachineScaleSetVMInstanceViewInner().withStatuses(statuses);
  }

  @Test
  void powerAndProvisioningStatesMapToLifecycles() {
    assertThat(InstanceStates.lifecycle(view()).lifecycle()).isEqualTo(Lifecycle.PENDING);
    assertThat(
            InstanceStates.lifecycle(view("ProvisioningState/creating", "PowerState/running"))
                .lifecycle())
        .isEqualTo(Lifecycle.PENDING);
    assertThat(
            InstanceStates.lifecycle(view("ProvisioningState/succeeded", "PowerState/running"))
                .lifecycle())
        .isEqualTo(Lifecycle.RUNNING);
    assertThat(
            InstanceStates.lifecycle(view("ProvisioningState/succeeded", "PowerState/stopped"))
                .lifecycle())
        .isEqualTo(Lifecycle.TERMINATED);
    assertThat(
            InstanceStates.lifecycle(view("ProvisioningState/deleting", "PowerState/running"))
                .lifecycle())
        .isEqualTo(Lifecycle.STOPPING);
    InstanceStates.Life failed =
        InstanceStates.lifecycle(view("ProvisioningState/failed/InternalError"));
    assertThat(failed.lifecycle()).isEqualTo(Lifecycle.FAILED);
    assertThat(failed.reason()).contains("Boot failed: disk");
  }

  @Test
  void withoutAProbeVerdictTrafficSaysWhetherTheInstanceIsInThePool() {
    // vmHealth is read-only in the SDK model; its healthy/unhealthy verdicts are exercised against
    // the ARM fake (AzureRolloutTest in it/).
    assertThat(InstanceStates.traffic(view("PowerState/running"), true)).isEqualTo(Traffic.INITIAL);
    assertThat(InstanceStates.traffic(view("PowerState/running"), false))
        .isEqualTo(Traffic.NOT_REGISTERED);
  }

  @Test
  void instanceNamesAreScaleSetUnderscoreId() {
    assertThat(AzureFleet.instanceIndex("web-v001", "web-v001_12")).isEqualTo("12");
    assertThat(AzureFleet.instanceIndex("web-v001", "3")).isEqualTo("3");
    assertThatThrownBy(() -> AzureFleet.instanceIndex("web-v001", "web-v002_1"))
        .isInstanceOf(UnideployException.class)
        .hasMessageContaining("web-v001_0");
  }

  @Test
  void onlyGalleryVersionsOrManagedImagesAreDeployable() {
    AzureFleet.requireImageVersion(
        "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/galleries/g/images/i/versions/1.0.0");
    assertThatThrownBy(() -> AzureFleet.requireImageVersion("ami-0123"))
        .isInstanceOf(UnideployException.class)
        .hasMessageContaining("gallery image version");
  }
}
