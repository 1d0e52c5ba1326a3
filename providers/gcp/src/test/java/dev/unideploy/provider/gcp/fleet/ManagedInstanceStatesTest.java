package dev.unideploy.provider.gcp.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.cloud.compute.v1.ManagedInstance;
import dev.unideploy.pipeline.spi.InstanceState.Lifecycle;
import dev.unideploy.pipeline.spi.InstanceState.Traffic;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ManagedInstanceStatesTest {
  private static final String LINK = "projects/p/zones/z/instances/web-v001-abcd";

  private static ManagedInstance member(String status, String action) {
    return ManagedInstance.newBuilder()
        .setInstance("https://www.googleapis.com/compute/v1/" + LINK)
        .setInstanceStatus(status)
        .setCurrentAction(action)
        .build();
  }

  @Test
  void anInstanceTheGroupRemovesIsLeavingEvenWhileItStillRunsAndDrains() {
    // A resize down marks the instance DELETING; with connection draining it runs on meanwhile.
    assertThat(ManagedInstanceStates.leaving(member("RUNNING", "DELETING"))).isTrue();
    assertThat(ManagedInstanceStates.leaving(member("RUNNING", "ABANDONING"))).isTrue();
    assertThat(ManagedInstanceStates.leaving(member("RUNNING", "NONE"))).isFalse();
    assertThat(ManagedInstanceStates.leaving(member("STOPPING", "RECREATING"))).isFalse();
    assertThat(ManagedInstanceStates.leaving(member("", "CREATING"))).isFalse();
  }

  @Test
  void lifecycleFollowsTheInstanceStatusAndTheGroupsAction() {
    assertThat(ManagedInstanceStates.lifecycle(member("RUNNING", "NONE")))
        .isEqualTo(Lifecycle.RUNNING);
    assertThat(ManagedInstanceStates.lifecycle(member("RUNNING", "VERIFYING")))
        .isEqualTo(Lifecycle.PENDING);
    assertThat(ManagedInstanceStates.lifecycle(member("", "CREATING")))
        .isEqualTo(Lifecycle.PENDING);
    assertThat(ManagedInstanceStates.lifecycle(member("STOPPING", "NONE")))
        .isEqualTo(Lifecycle.STOPPING);
    assertThat(ManagedInstanceStates.lifecycle(member("TERMINATED", "NONE")))
        .isEqualTo(Lifecycle.TERMINATED);
    assertThat(ManagedInstanceStates.reason(member("RUNNING", "VERIFYING")))
        .isEqualTo("running, verifying");
  }

  @Test
  void anInstanceGetHealthDoesNotListIsNotServingYet() {
    assertThat(ManagedInstanceStates.traffic(true, Map.of(), LINK)).isEqualTo(Traffic.INITIAL);
    assertThat(ManagedInstanceStates.traffic(true, Map.of(LINK, "HEALTHY"), LINK))
        .isEqualTo(Traffic.HEALTHY);
    assertThat(ManagedInstanceStates.traffic(true, Map.of(LINK, "UNHEALTHY"), LINK))
        .isEqualTo(Traffic.UNHEALTHY);
    // getHealth could not be read: nothing is known either way.
    assertThat(ManagedInstanceStates.traffic(true, null, LINK)).isEqualTo(Traffic.UNKNOWN);
    assertThat(ManagedInstanceStates.traffic(false, Map.of(LINK, "HEALTHY"), LINK))
        .isEqualTo(Traffic.NOT_REGISTERED);
  }
}
