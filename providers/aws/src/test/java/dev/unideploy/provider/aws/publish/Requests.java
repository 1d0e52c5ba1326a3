package dev.unideploy.provider.aws.publish;

import dev.unideploy.pipeline.config.DeployConfig;
import dev.unideploy.pipeline.config.PublishSettings;
import dev.unideploy.pipeline.events.EventSink;
import dev.unideploy.pipeline.spi.ProviderContext;
import dev.unideploy.pipeline.spi.PublishRequest;
import dev.unideploy.pipeline.state.MemoryJournal;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;

/** Publish requests for unit tests. */
final class Requests {
  static final String SHA = "0123456789abcdef".repeat(4);

  private Requests() {}

  static PublishRequest request(PublishSettings settings) {
    return request("demo", "1.0.0", SHA, settings);
  }

  static PublishRequest request(String app, String version, String sha, PublishSettings settings) {
    ProviderContext context =
        new ProviderContext(
            DeployConfig.of(app, version),
            EventSink.discard(),
            new MemoryJournal(),
            Path.of("target"),
            Clock.fixed(Instant.parse("2026-11-29T12:00:00Z"), ZoneOffset.UTC));
    return new PublishRequest(app, version, sha, 3L << 20, "disk.img", settings, context);
  }

  static PublishSettings settings(String arch, String boot) {
    return new PublishSettings(
        null, PublishSettings.Architecture.parse(arch), PublishSettings.BootMode.parse(boot), 0);
  }
}
