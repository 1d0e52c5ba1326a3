package dev.unideploy.pipeline.spi;

import dev.unideploy.pipeline.config.PublishSettings;
import java.util.Objects;

/**
 * One publish: which app and version, the image's identity (content SHA-256 of the virtual disk,
 * its virtual size, the source file name) and the settings that shape the provider image.
 */
public record PublishRequest(
    String app,
    String version,
    String contentSha256,
    long virtualSize,
    String sourceFileName,
    PublishSettings settings,
    ProviderContext context) {
  public PublishRequest {
    Objects.requireNonNull(app, "app");
    Objects.requireNonNull(version, "version");
    Objects.requireNonNull(contentSha256, "contentSha256");
    Objects.requireNonNull(sourceFileName, "sourceFileName");
    Objects.requireNonNull(settings, "settings");
    Objects.requireNonNull(context, "context");
    if (!contentSha256.matches("[0-9a-f]{64}")) {
      throw new IllegalArgumentException("contentSha256 must be 64 lowercase hex digits");
    }
  }

  /** The first 8 hex digits of the content hash, for names. */
  public String sha8() {
    return contentSha256.substring(0, 8);
  }

  /** The image name from the settings' template ({app}, {version}, {sha8}). */
  public String imageName() {
    return settings
        .nameTemplate()
        .replace("{app}", app)
        .replace("{version}", version)
        .replace("{sha8}", sha8());
  }
}
