package dev.unideploy.provider.gcp.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.cloud.compute.v1.Backend;
import dev.unideploy.provider.gcp.config.GcpFleetSettings;
import java.util.List;
import org.junit.jupiter.api.Test;

class BackendsTest {
  private static final String GROUP = "projects/p/zones/us-central1-a/instanceGroups/web-v002";

  private static GcpFleetSettings fleet(String mode, Double rate, Integer connections) {
    return new GcpFleetSettings(
        "us-central1-a",
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        "web-bs",
        mode,
        rate,
        connections,
        null,
        null);
  }

  @Test
  void everyReleaseJoinsWithTheSameCapacityPerInstance() {
    Backend utilization = Backends.backend(GROUP, fleet(null, null, null));
    assertThat(utilization.getGroup()).isEqualTo(GROUP);
    assertThat(utilization.getBalancingMode()).isEqualTo("UTILIZATION");
    assertThat(utilization.getCapacityScaler()).isEqualTo(1.0f);
    assertThat(utilization.hasMaxRatePerInstance()).isFalse();
    assertThat(utilization.hasMaxRate()).isFalse();

    Backend rate = Backends.backend(GROUP, fleet("RATE", 50.0, null));
    assertThat(rate.getBalancingMode()).isEqualTo("RATE");
    // Per instance, never per group (maxRate): a group of 1 beside a group of 2 takes a third.
    assertThat(rate.getMaxRatePerInstance()).isEqualTo(50.0f);
    assertThat(rate.hasMaxRate()).isFalse();

    Backend connection = Backends.backend(GROUP, fleet("CONNECTION", null, 100));
    assertThat(connection.getMaxConnectionsPerInstance()).isEqualTo(100);
    assertThat(connection.hasMaxConnections()).isFalse();
    assertThat(List.of(utilization, rate, connection))
        .extracting(Backend::getCapacityScaler)
        .containsOnly(1.0f);
  }
}
