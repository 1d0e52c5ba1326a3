package dev.unideploy.it.azure;

import com.azure.core.credential.AccessToken;
import com.azure.core.credential.TokenCredential;
import dev.unideploy.image.DiskImage;
import dev.unideploy.image.formats.ImageReaders;
import dev.unideploy.pipeline.config.ConfigLoader;
import dev.unideploy.pipeline.config.DeployConfig;
import dev.unideploy.pipeline.events.RecordingEventSink;
import dev.unideploy.pipeline.publish.PublishPipeline;
import dev.unideploy.pipeline.publish.PublishResult;
import dev.unideploy.pipeline.spi.ProviderContext;
import dev.unideploy.pipeline.spi.RegionImage;
import dev.unideploy.pipeline.state.Journal;
import dev.unideploy.provider.azure.AzureProvider;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.util.UUID;
import reactor.core.publisher.Mono;

/**
 * Runs real Azure publishes against the ARM fake and Azurite: writes a unideploy.yaml pointing the
 * provider at them and drives {@link PublishPipeline} with the Azure provider.
 */
final class AzurePublish {
  private AzurePublish() {}

  /** A credential holding a token the fake issued (the CLI tests use DefaultAzureCredential). */
  static TokenCredential credential(ArmFake arm) {
    return request -> Mono.just(new AccessToken(arm.token(), OffsetDateTime.now().plusHours(1)));
  }

  static String uniqueApp(String prefix) {
    return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
  }

  /** The providers.azure section for the fake, with fast polling; {@code extra} is appended. */
  static String yaml(ArmFake arm, String app, String version, String rg, int keep, String extra) {
    return """
        app: %s
        version: "%s"
        publish:
          keep: %d
        providers:
          azure:
            subscription: %s
            resourceGroup: %s
            location: %s
            endpoints:
              resourceManager: %s
              caCertificate: %s
            waits: {pollInterval: 50ms, operation: 2m, replication: 2m}
            retry: {maxAttempts: 4, callTimeout: 30s}
        %s"""
        .formatted(
            app,
            version,
            keep,
            arm.subscription(),
            rg,
            arm.location(),
            arm.endpoint(),
            arm.caCert(),
            extra.indent(4));
  }

  /** {@link #yaml} for a CLI in its own JVM: it takes its token from the fake's Entra ID. */
  static String cliYaml(
      ArmFake arm, String app, String version, String rg, int keep, String extra) {
    return yaml(arm, app, version, rg, keep, extra)
        .replace("caCertificate:", "authorityHost: " + arm.endpoint() + "\n      caCertificate:");
  }

  static DeployConfig config(Path dir, String yaml) throws IOException {
    Path file = dir.resolve("unideploy-" + UUID.randomUUID() + ".yaml");
    Files.writeString(file, yaml);
    return ConfigLoader.load(file);
  }

  /** What one publish produced. */
  record Run(PublishResult result, RecordingEventSink events) {
    RegionImage region(String name) {
      return result.regions().stream()
          .filter(r -> name.equals(r.region()))
          .findFirst()
          .orElseThrow(() -> new AssertionError("no result for region " + name + ": " + result));
    }

    String log() {
      StringBuilder sb = new StringBuilder();
      events.events().forEach(e -> sb.append(e).append('\n'));
      return sb.toString();
    }
  }

  static Run publish(ArmFake arm, DeployConfig config, Path disk, Path workDir, Journal journal)
      throws IOException {
    RecordingEventSink events = new RecordingEventSink();
    ProviderContext context =
        new ProviderContext(config, events, journal, workDir, Clock.systemUTC());
    try (DiskImage image = ImageReaders.open(disk)) {
      PublishPipeline pipeline =
          new PublishPipeline(
              "azure",
              new AzureProvider(credential(arm)).publisher(context),
              context,
              workDir.toString());
      return new Run(
          pipeline.publish(image, disk, new PublishPipeline.Options(null, false)), events);
    }
  }
}
