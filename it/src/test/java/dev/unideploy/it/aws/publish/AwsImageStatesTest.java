package dev.unideploy.it.aws.publish;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.unideploy.it.aws.publish.MotoPublish.Run;
import dev.unideploy.pipeline.UnideployException;
import dev.unideploy.pipeline.config.DeployConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.ec2.model.EnableImageDeprecationRequest;
import software.amazon.awssdk.services.ec2.model.ImageState;

/**
 * The waits around AMI state, and deprecation: what moto cannot show (it makes every AMI available
 * at once and has no EnableImageDeprecation) is injected by interceptors.
 */
class AwsImageStatesTest {
  @TempDir Path dir;

  private DeployConfig config(String app, String extra, String available) throws Exception {
    return MotoPublish.config(
        dir,
        """
        app: %s
        version: "1"
        providers:
          aws:
            region: us-east-1
            endpoint: %s
            waits: {available: %s, copy: 60s, pollInterval: 200ms}
            retry: {maxAttempts: 2}
        %s
        """
            .formatted(app, MotoPublish.endpoint(), available, extra.indent(4)));
  }

  @Test
  void aFailedImageStopsTheWaitAtOnceWithEc2sReason() throws Exception {
    String app = MotoPublish.uniqueApp("failed");
    ImageStateInterceptor failed =
        new ImageStateInterceptor(app, ImageState.FAILED, "snapshot is not bootable (test)", -1);
    long start = System.nanoTime();

    assertThatThrownBy(
            () ->
                MotoPublish.publish(
                    config(app, "", "5m"),
                    MotoPublish.disk(dir, 301),
                    dir.resolve("w"),
                    false,
                    List.of(failed)))
        .isInstanceOf(UnideployException.class)
        .hasMessageContaining("is failed: snapshot is not bootable (test)")
        .hasMessageContaining("re-run");
    // Far below the 5 minute deadline: failed is final, so nothing waits it out.
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(60));
  }

  @Test
  void aPendingImageIsWaitedFor() throws Exception {
    String app = MotoPublish.uniqueApp("pending");
    ImageStateInterceptor pending = new ImageStateInterceptor(app, ImageState.PENDING, null, 3);

    Run run =
        MotoPublish.publish(
            config(app, "", "60s"),
            MotoPublish.disk(dir, 302),
            dir.resolve("w"),
            false,
            List.of(pending));

    String id = run.imageId("us-east-1");
    assertThat(pending.describedTimes(id)).isGreaterThanOrEqualTo(4);
  }

  @Test
  void anImageThatStaysPendingHitsTheDeadlineAndSaysWhat() throws Exception {
    String app = MotoPublish.uniqueApp("stuck");
    ImageStateInterceptor stuck = new ImageStateInterceptor(app, ImageState.PENDING, null, -1);

    assertThatThrownBy(
            () ->
                MotoPublish.publish(
                    config(app, "", "2s"),
                    MotoPublish.disk(dir, 303),
                    dir.resolve("w"),
                    false,
                    List.of(stuck)))
        .isInstanceOf(UnideployException.class)
        .hasMessageContaining("timed out after 2 s waiting for AMI")
        .hasMessageContaining("in us-east-1 to become available")
        .hasMessageContaining("last state: pending")
        .hasMessageContaining("providers.aws.waits");
  }

  @Test
  void deprecationIsScheduledOnEachNewImage() throws Exception {
    String app = MotoPublish.uniqueApp("deprecate");
    DeprecationStandIn standIn = new DeprecationStandIn();
    Instant before = Instant.now();

    Run run =
        MotoPublish.publish(
            config(app, "deprecateAfter: 30d", "60s"),
            MotoPublish.disk(dir, 304),
            dir.resolve("w"),
            false,
            List.of(standIn));

    List<EnableImageDeprecationRequest> requests = standIn.requests();
    assertThat(requests).hasSize(1);
    assertThat(requests.get(0).imageId()).isEqualTo(run.imageId("us-east-1"));
    Instant at = requests.get(0).deprecateAt();
    assertThat(at)
        .isAfterOrEqualTo(before.plus(Duration.ofDays(30)).minusSeconds(60))
        .isBeforeOrEqualTo(Instant.now().plus(Duration.ofDays(30)));
    assertThat(at.getEpochSecond() % 60).as("EC2 takes whole minutes").isZero();
  }
}
