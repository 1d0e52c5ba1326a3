package dev.unideploy.it.aws.publish;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.unideploy.image.DiskImage;
import dev.unideploy.image.formats.ImageReaders;
import dev.unideploy.it.EmulatorEnv;
import dev.unideploy.pipeline.ResultJson;
import dev.unideploy.pipeline.config.ConfigLoader;
import dev.unideploy.pipeline.config.DeployConfig;
import dev.unideploy.pipeline.events.RecordingEventSink;
import dev.unideploy.pipeline.publish.PublishPipeline;
import dev.unideploy.pipeline.publish.PublishResult;
import dev.unideploy.pipeline.spi.ProviderContext;
import dev.unideploy.pipeline.state.MemoryJournal;
import dev.unideploy.provider.aws.AwsProvider;
import dev.unideploy.provider.aws.publish.AwsImagePublisher;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ssm.SsmClient;

/**
 * Runs real publishes against moto: writes a unideploy.yaml, a small raw disk, and drives {@link
 * PublishPipeline} with the AWS provider (whose clients may carry test interceptors). Also gives
 * the tests their own SDK clients to read back what was made.
 */
final class MotoPublish {
  // moto accepts any credentials; these have the shape of real ones so the SDK signs requests.
  static final String ACCESS_KEY = "AKIAIOSFODNN7EXAMPLE";
  static final String SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/EXAMPLEKEY";

  /** The account moto runs as. */
  static final String ACCOUNT = "123456789012";

  static final StaticCredentialsProvider CREDENTIALS =
      StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY));

  static {
    // The provider uses the SDK's default chain, which reads these system properties: exactly how
    // a user's environment variables would reach it.
    System.setProperty("aws.accessKeyId", ACCESS_KEY);
    System.setProperty("aws.secretAccessKey", SECRET_KEY);
  }

  private MotoPublish() {}

  static URI endpoint() {
    return EmulatorEnv.get().motoEndpoint();
  }

  /** An app name no other test run uses, so tag filters keep tests apart on a shared moto. */
  static String uniqueApp(String prefix) {
    return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
  }

  static Ec2Client ec2(String region) {
    return Ec2Client.builder()
        .endpointOverride(endpoint())
        .region(Region.of(region))
        .credentialsProvider(CREDENTIALS)
        .build();
  }

  static SsmClient ssm(String region) {
    return SsmClient.builder()
        .endpointOverride(endpoint())
        .region(Region.of(region))
        .credentialsProvider(CREDENTIALS)
        .build();
  }

  /**
   * A 3 MiB raw disk: 1 MiB of seeded random data, 1 MiB of zeroes (skipped by the upload), and a
   * last MiB of data; different seeds give different content hashes.
   */
  static Path disk(Path dir, long seed) throws IOException {
    byte[] bytes = new byte[3 << 20];
    Random r = new Random(seed);
    byte[] head = new byte[1 << 20];
    r.nextBytes(head);
    System.arraycopy(head, 0, bytes, 0, head.length);
    byte[] tail = new byte[1 << 20];
    r.nextBytes(tail);
    System.arraycopy(tail, 0, bytes, 2 << 20, tail.length);
    Path file = dir.resolve("disk-" + seed + ".img");
    Files.write(file, bytes);
    return file;
  }

  /**
   * A config of {@code app} version 1 publishing to us-east-1 and eu-west-1 through {@code
   * endpoint}, with short waits, and {@code awsLines} (YAML, indented for {@code providers.aws})
   * added to the provider's section.
   */
  static DeployConfig twoRegions(Path dir, String app, String endpoint, String awsLines)
      throws IOException {
    return config(
        dir,
        """
        app: %s
        version: "1"
        providers:
          aws:
            region: us-east-1
            copyTo: [eu-west-1]
            endpoint: %s
            waits: {available: 60s, copy: 120s, pollInterval: 1s}
            retry: {maxAttempts: 3}
        %s"""
            .formatted(app, endpoint, awsLines.indent(4)));
  }

  /** Writes {@code yaml} as a config file and loads it the way the CLI does. */
  static DeployConfig config(Path dir, String yaml) throws IOException {
    Path file = dir.resolve("unideploy-" + UUID.randomUUID() + ".yaml");
    Files.writeString(file, yaml);
    return ConfigLoader.load(file);
  }

  /** What one publish produced: the result document (as JSON maps), its events and journal. */
  record Run(Map<String, Object> result, RecordingEventSink events, MemoryJournal journal) {
    @SuppressWarnings("unchecked") // the pipeline's result document is a tree of maps and lists
    List<Map<String, Object>> regions() {
      return (List<Map<String, Object>>) result.get("regions");
    }

    Map<String, Object> region(String name) {
      return regions().stream()
          .filter(r -> name.equals(r.get("region")))
          .findFirst()
          .orElseThrow(() -> new AssertionError("no result for region " + name + ": " + result));
    }

    String imageId(String region) {
      return (String) region(region).get("imageId");
    }

    /** The AMI's snapshots, from the region's {@code attributes.snapshotIds} (comma-separated). */
    @SuppressWarnings("unchecked") // as above
    List<String> snapshotIds(String region) {
      Map<String, Object> attributes = (Map<String, Object>) region(region).get("attributes");
      String ids = attributes == null ? null : (String) attributes.get("snapshotIds");
      return ids == null || ids.isEmpty() ? List.of() : List.of(ids.split(","));
    }

    @SuppressWarnings("unchecked") // as above
    List<Map<String, Object>> retired() {
      return (List<Map<String, Object>>) result.get("retired");
    }

    String log() {
      StringBuilder sb = new StringBuilder();
      events.events().forEach(e -> sb.append(e).append('\n'));
      return sb.toString();
    }
  }

  /** Publishes {@code disk} with {@code config} through the pipeline and the AWS provider. */
  static Run publish(
      DeployConfig config,
      Path disk,
      Path workDir,
      boolean dryRunRetire,
      List<ExecutionInterceptor> interceptors)
      throws IOException {
    RecordingEventSink events = new RecordingEventSink();
    MemoryJournal journal = new MemoryJournal();
    ProviderContext context =
        new ProviderContext(config, events, journal, workDir, Clock.systemUTC());
    try (AwsImagePublisher publisher =
            (AwsImagePublisher) new AwsProvider(interceptors).publisher(context);
        DiskImage image = ImageReaders.open(disk)) {
      PublishPipeline pipeline = new PublishPipeline("aws", publisher, context, workDir.toString());
      PublishResult result =
          pipeline.publish(image, disk, new PublishPipeline.Options(null, dryRunRetire));
      // The documented JSON shape, as users' scripts and the GitHub Action read it.
      @SuppressWarnings("unchecked")
      Map<String, Object> document =
          new ObjectMapper().convertValue(ResultJson.tree(result), Map.class);
      return new Run(document, events, journal);
    }
  }
}
