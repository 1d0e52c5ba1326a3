package dev.unideploy.pipeline.spi;

import dev.unideploy.pipeline.UnideployException;
import dev.unideploy.pipeline.config.DeployConfig;

/**
 * A deployment target (aws, gcp, azure, local), found through {@link java.util.ServiceLoader}: each
 * provider module lists its implementation in {@code
 * META-INF/services/dev.unideploy.pipeline.spi.Provider}.
 */
public interface Provider {

  /** The name users type after {@code --provider}. */
  String name();

  /**
   * Binds and checks this provider's section of the config ({@code providers.<name>}) and throws a
   * {@link UnideployException} naming the bad key; {@code config-samples/} are validated with it.
   */
  void validate(DeployConfig config);

  /**
   * The record that {@code providers.<name>} binds to ({@code @JsonProperty} components), from
   * which {@code unideploy config schema} describes the section; null leaves the section
   * undescribed (any object), so a provider without one still works.
   */
  default Class<? extends Record> settingsType() {
    return null;
  }

  /** The publisher that turns a disk image into this provider's image. */
  ImagePublisher publisher(ProviderContext context);

  /** The fleet operations rollouts use on this provider. */
  Fleet fleet(ProviderContext context);

  /** The images this provider holds that unideploy published. */
  default ImageCatalog images(ProviderContext context) {
    throw new UnideployException(
        "listing and deleting images is not available for provider "
            + name()
            + " in this version: use the cloud's console or CLI, filtering on the tag"
            + " managed-by=unideploy");
  }
}
