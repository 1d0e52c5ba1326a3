package dev.unideploy.it.aws.publish;

import static org.assertj.core.api.Assertions.assertThat;

import dev.unideploy.it.aws.upload.EbsCheckingProxy;
import dev.unideploy.pipeline.config.DeployConfig;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Byte-identical content published under a new version from a fresh machine (no journal), on moto
 * behind {@link EbsCheckingProxy}, which holds StartSnapshot's client token to EBS's rule: the same
 * token with other parameters is a ConflictException. Each version gets its own snapshot and AMI.
 */
class AwsFreshRunnerTest {
  @TempDir Path dir;

  private DeployConfig config(String app, String version, EbsCheckingProxy proxy) throws Exception {
    return MotoPublish.config(
        dir,
        """
        app: %s
        version: "%s"
        publish:
          keep: 0
        providers:
          aws:
            region: us-east-1
            endpoint: %s
            waits: {available: 60s, copy: 120s, pollInterval: 1s}
            retry: {maxAttempts: 3}
        """
            .formatted(app, version, proxy.endpoint()));
  }

  @Test
  void theSameContentUnderANewVersionFromAFreshStateDirectoryPublishes() throws Exception {
    String app = MotoPublish.uniqueApp("fresh");
    Path disk = MotoPublish.disk(dir, 501);
    try (EbsCheckingProxy proxy = new EbsCheckingProxy(MotoPublish.endpoint())) {
      MotoPublish.Run v1 =
          MotoPublish.publish(
              config(app, "1.0.0", proxy), disk, dir.resolve("w1"), false, List.of());
      MotoPublish.Run v2 =
          MotoPublish.publish(
              config(app, "1.0.1", proxy), disk, dir.resolve("w2"), false, List.of());

      assertThat(v2.imageId("us-east-1")).as(v2.log()).isNotEqualTo(v1.imageId("us-east-1"));
      assertThat(proxy.violations()).isEmpty();
    }
  }
}
