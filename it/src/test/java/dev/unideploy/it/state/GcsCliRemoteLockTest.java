package dev.unideploy.it.state;

import static org.assertj.core.api.Assertions.assertThat;

import dev.unideploy.it.EmulatorEnv;
import dev.unideploy.it.gcp.GceFake;
import dev.unideploy.pipeline.state.JournalEntry;
import java.io.IOException;
import java.nio.file.Path;
import java.util.BitSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * {@link CliRemoteLockTest} with {@code state: gs://...} on fake-gcs-server and {@code publish
 * --provider gcp} against the Compute Engine fake: the units are the tarball's part objects (1 MiB
 * parts of one 1 MiB chunk each), seen by the proxy as the request that finalizes each part. The
 * tarball object itself is staged in the state bucket, so every upload request passes the proxy.
 */
class GcsCliRemoteLockTest extends CliRemoteLockTest {
  private final String project = GceFake.newProject("ci");
  private GcsBackend backend;

  @BeforeEach
  void setUp() throws Exception {
    backend = new GcsBackend();
  }

  @AfterEach
  void tearDown() throws Exception {
    try {
      // Composed, the parts are deleted: nothing temporary is left in the bucket.
      assertThat(backend.listRaw(""))
          .as("temporary part objects left")
          .noneMatch(name -> name.contains(".unideploy-parts/"));
    } finally {
      backend.proxy().releaseBlocks();
      backend.close();
    }
  }

  @Override
  String provider() {
    return "gcp";
  }

  @Override
  StateBackend backend() {
    return backend;
  }

  /** The tarball goes up one part at a time whatever {@code concurrency} says. */
  @Override
  String providersYaml(int concurrency) {
    return """
          gcp:
            project: %s
            bucket: %s
            credentials: none
            endpoints: {compute: "%s", storage: "%s"}
            timeouts: {pollInterval: 50ms}
            upload: {chunkMiB: 1, partMiB: 1}
        """
        .formatted(
            project, backend.root(), EmulatorEnv.get().gceEndpoint(), backend.proxy().endpoint());
  }

  /** Random data throughout: gzip stores it, so each MiB of disk is a 1 MiB part of the tarball. */
  @Override
  Path disk(Path dir, int units) throws IOException {
    return randomDisk(dir, units, 1 << 20);
  }

  @Override
  String acknowledgedKind() {
    return "gcs-part-completed";
  }

  @Override
  void addAcknowledged(JournalEntry e, BitSet units) {
    units.set(((Number) e.data().get("index")).intValue());
  }

  @Override
  String imageIdPattern() {
    return "\"imageId\"\\s*:\\s*\"projects/" + project + "/global/images/";
  }
}
