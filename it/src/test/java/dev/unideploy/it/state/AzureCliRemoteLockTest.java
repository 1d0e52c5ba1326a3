package dev.unideploy.it.state;

import dev.unideploy.it.azure.ArmFake;
import dev.unideploy.pipeline.state.JournalEntry;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.time.Duration;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * {@link CliRemoteLockTest} with {@code state: azblob://...} on Azurite and {@code publish
 * --provider azure} against the ARM fake, on the page-blob route so that the pages pass the same
 * proxy as the state: the units are 4 MiB page windows (one Put Page each).
 */
class AzureCliRemoteLockTest extends CliRemoteLockTest {
  private final ArmFake arm = ArmFake.get();
  private AzureBackend backend;
  private String resourceGroup;
  private String images;

  @BeforeEach
  void setUp() {
    backend = new AzureBackend(true);
    // The gallery reads the uploaded blob at the address unideploy names: the proxy's.
    arm.blobEndpoint(backend.blobEndpoint());
    resourceGroup = arm.newResourceGroup("ci");
    images = StateBackend.uniquePrefix("images");
  }

  @AfterEach
  void tearDown() {
    backend.proxy().releaseBlocks();
    backend.close();
  }

  @Override
  String provider() {
    return "azure";
  }

  @Override
  StateBackend backend() {
    return backend;
  }

  @Override
  String providersYaml(int concurrency) {
    return """
          azure:
            subscription: %s
            tenant: %s
            resourceGroup: %s
            location: %s
            endpoints: {resourceManager: "%s", authorityHost: "%s", caCertificate: "%s"}
            waits: {pollInterval: 100ms, operation: 2m, replication: 2m}
            retry: {maxAttempts: 3, callTimeout: 30s}
            upload:
              method: page-blob
              storageAccount: %s
              container: %s
              blobEndpoint: "%s"
              concurrency: %d
        """
        .formatted(
            arm.subscription(),
            arm.tenant(),
            resourceGroup,
            arm.location(),
            arm.endpoint(),
            arm.endpoint(),
            arm.caCert(),
            arm.env().azuriteAccount(),
            images,
            backend.blobEndpoint(),
            concurrency);
  }

  /** DefaultAzureCredential's environment credential (the fake issues its token) and the key. */
  @Override
  Map<String, String> runnerEnv() {
    Map<String, String> env = new HashMap<>(backend.childEnv());
    env.put("AZURE_TENANT_ID", arm.tenant());
    env.put("AZURE_CLIENT_ID", "ci-runner");
    env.put("AZURE_CLIENT_SECRET", "not-a-secret");
    return env;
  }

  /** {@code units} windows of 4 MiB, each starting with 64 KiB of random data, the rest holes. */
  @Override
  Path disk(Path dir, int units) throws IOException {
    Path file = dir.resolve("disk-" + units + ".img");
    Random r = new Random(units);
    byte[] data = new byte[64 << 10];
    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
      f.setLength((long) units << 22);
      for (int w = 0; w < units; w++) {
        r.nextBytes(data);
        f.seek((long) w << 22);
        f.write(data);
      }
    }
    return file;
  }

  @Override
  int killUnits() {
    return 40;
  }

  @Override
  Duration slowUnit() {
    return Duration.ofMillis(400);
  }

  @Override
  String acknowledgedKind() {
    return "azure-windows-acknowledged";
  }

  @Override
  void addAcknowledged(JournalEntry e, BitSet units) {
    for (Object w : (List<?>) e.data().get("windows")) {
      units.set(((Number) w).intValue());
    }
  }

  @Override
  String imageIdPattern() {
    return "\"imageId\"\\s*:\\s*\"/subscriptions/";
  }
}
