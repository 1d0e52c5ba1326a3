package dev.unideploy.provider.aws.settings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class FleetSettingsTest {
  private static FleetSettings of(
      String type, List<String> subnets, List<String> targetGroups, Integer min, Integer max) {
    return new FleetSettings(
        type, subnets, null, targetGroups, min, max, null, null, null, null, null);
  }

  @Test
  void defaults() {
    FleetSettings f = FleetSettings.defaults();
    assertThat(f.instanceType()).isEqualTo("t3.micro");
    assertThat(f.subnets()).isEmpty();
    assertThat(f.healthCheckGracePeriod()).isEqualTo(Duration.ofSeconds(60));
    assertThat(f.probe()).isEqualTo("private");
    assertThat(f.minFor(3)).isEqualTo(3);
    assertThat(f.maxFor(3)).isEqualTo(3);
    assertThat(f.maxFor(0)).as("Auto Scaling needs a maximum of at least 1").isEqualTo(1);
  }

  @Test
  void sizeBoundsNeverCutTheRelease() {
    FleetSettings f = of(null, null, null, 2, 4);
    assertThat(f.minFor(3)).isEqualTo(2);
    assertThat(f.minFor(0)).as("kept at size 0 for rollback").isZero();
    assertThat(f.maxFor(3)).isEqualTo(4);
    assertThat(f.maxFor(6)).isEqualTo(6);
  }

  @Test
  void badValuesSayWhatIsExpected() {
    assertThatThrownBy(() -> of("large", null, null, null, null))
        .hasMessageContaining("fleet.instanceType 'large'")
        .hasMessageContaining("t3.micro");
    assertThatThrownBy(() -> of(null, List.of("sub-1"), null, null, null))
        .hasMessageContaining("fleet.subnets: 'sub-1'")
        .hasMessageContaining("subnet-");
    assertThatThrownBy(() -> of(null, null, List.of("web-tg"), null, null))
        .hasMessageContaining("fleet.targetGroups: 'web-tg'")
        .hasMessageContaining("arn:aws:elasticloadbalancing:");
    assertThatThrownBy(() -> of(null, null, null, 5, 2))
        .hasMessageContaining("fleet.minSize (5) must not exceed fleet.maxSize (2)");
    assertThatThrownBy(
            () ->
                new FleetSettings(
                    null, null, null, null, null, null, null, "nearest", null, null, null))
        .hasMessageContaining("fleet.probe 'nearest' is not one of private, public, none");
    assertThatThrownBy(
            () ->
                new FleetSettings(
                    null,
                    null,
                    null,
                    null,
                    null,
                    null,
                    Duration.ofHours(3),
                    null,
                    null,
                    null,
                    null))
        .hasMessageContaining("healthCheckGracePeriod must be 0 to 2h");
  }
}
