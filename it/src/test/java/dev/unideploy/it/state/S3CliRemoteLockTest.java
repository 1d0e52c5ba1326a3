package dev.unideploy.it.state;

import static org.assertj.core.api.Assertions.assertThat;

import dev.unideploy.it.aws.upload.EbsCheckingProxy;
import dev.unideploy.pipeline.state.JournalEntry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * {@link CliRemoteLockTest} with {@code state: s3://...} on moto and {@code publish --provider
 * aws}: the units are EBS blocks (512 KiB), seen through the EBS and precondition checking proxies.
 */
class S3CliRemoteLockTest extends CliRemoteLockTest {
  private EbsCheckingProxy ebs;
  private S3Backend backend;

  @BeforeEach
  void setUp() throws Exception {
    backend =
        new S3Backend(
            proxy -> {
              try {
                ebs = new EbsCheckingProxy(proxy);
                return ebs.endpoint();
              } catch (IOException e) {
                throw new UncheckedIOException(e);
              }
            });
  }

  @AfterEach
  void tearDown() {
    List<String> violations = ebs.violations();
    backend.proxy().releaseBlocks();
    backend.close();
    ebs.close();
    assertThat(violations).isEmpty();
  }

  @Override
  String provider() {
    return "aws";
  }

  @Override
  StateBackend backend() {
    return backend;
  }

  @Override
  String providersYaml(int concurrency) {
    return """
          aws:
            region: us-east-1
            endpoint: "%s"
            waits: {available: 60s, copy: 120s, pollInterval: 1s}
            retry: {maxAttempts: 3}
            upload: {concurrency: %d}
        """
        .formatted(backend.endpoint(), concurrency);
  }

  /** Random data throughout: every 512 KiB EBS block carries data. */
  @Override
  Path disk(Path dir, int units) throws IOException {
    return randomDisk(dir, units, 1 << 19);
  }

  @Override
  String acknowledgedKind() {
    return "ebs-blocks-acknowledged";
  }

  @Override
  void addAcknowledged(JournalEntry e, BitSet units) {
    for (String part : ((String) e.data().get("blocks")).split(",")) {
      int dash = part.indexOf('-');
      int from = Integer.parseInt(dash < 0 ? part : part.substring(0, dash));
      int to = dash < 0 ? from : Integer.parseInt(part.substring(dash + 1));
      units.set(from, to + 1);
    }
  }

  @Override
  String imageIdPattern() {
    return "\"imageId\"\\s*:\\s*\"ami-";
  }
}
