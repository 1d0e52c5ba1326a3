package dev.unideploy.provider.gcp.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.cloud.compute.v1.BackendService;
import com.google.cloud.compute.v1.ConnectionDraining;
import dev.unideploy.pipeline.UnideployException;
import dev.unideploy.pipeline.events.Event;
import dev.unideploy.pipeline.events.ProgressEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class DrainingTest {
  private final List<Event> events = new ArrayList<>();
  private final List<Duration> slept = new ArrayList<>();
  private final Draining draining = new Draining(events::add, slept::add);

  @Test
  void aGroupThatLeftWithInstancesWaitsOutTheDrainingTimeoutWithProgress() {
    assertThat(
            draining.await("web-v001", 2, "global/backendServices/web-bs", Duration.ofSeconds(3)))
        .isTrue();
    assertThat(slept).hasSize(3).allMatch(d -> d.equals(Duration.ofSeconds(1)));
    List<ProgressEvent> progress =
        events.stream()
            .filter(ProgressEvent.class::isInstance)
            .map(ProgressEvent.class::cast)
            .toList();
    assertThat(progress).last().matches(ProgressEvent::finished);
    assertThat(progress.get(progress.size() - 1).done()).isEqualTo(3);
  }

  @Test
  void noDrainingTimeoutOrNoInstancesMeansNoWait() {
    assertThat(draining.await("web-v001", 2, "web-bs", Duration.ZERO)).isFalse();
    assertThat(draining.await("web-v001", 0, "web-bs", Duration.ofSeconds(300))).isFalse();
    assertThat(slept).isEmpty();
    assertThat(events).isEmpty();
  }

  @Test
  void anInterruptedWaitSaysTheGroupIsOutOfServiceAndKeepsTheFlag() {
    Draining interrupted =
        new Draining(
            events::add,
            d -> {
              throw new InterruptedException();
            });
    try {
      assertThatThrownBy(() -> interrupted.await("web-v001", 1, "web-bs", Duration.ofSeconds(5)))
          .isInstanceOf(UnideployException.class)
          .hasMessageContaining("web-v001 drained: it is out of service; re-run");
      assertThat(Thread.currentThread().isInterrupted()).isTrue();
    } finally {
      Thread.interrupted();
    }
  }

  @Test
  void theDrainingTimeoutIsTheBackendServicesAndZeroWhenUnset() {
    assertThat(Backends.drainTime(BackendService.getDefaultInstance())).isZero();
    assertThat(
            Backends.drainTime(
                BackendService.newBuilder()
                    .setConnectionDraining(
                        ConnectionDraining.newBuilder().setDrainingTimeoutSec(300))
                    .build()))
        .isEqualTo(Duration.ofSeconds(300));
  }
}
