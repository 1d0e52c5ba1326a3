package dev.unideploy.pipeline.spi;

/**
 * A deployment target (aws, gcp, azure, local), found through {@link java.util.ServiceLoader}: each
 * provider module lists its implementation in {@code
 * META-INF/services/dev.unideploy.pipeline.spi.Provider}.
 */
public interface Provider {

  /** The name users type after {@code --provider}. */
  String name();

  /**
   * Checks this provider's section of the config ({@code providers.<name>}) and throws a {@link
   * dev.unideploy.pipeline.UnideployException} naming the bad key; {@code config-samples/} are
   * validated with it.
   */
  void validate(dev.unideploy.pipeline.config.DeployConfig config);

  /** The publisher that turns a disk image into this provider's image. */
  ImagePublisher publisher(ProviderContext context);

  /** The fleet operations rollouts use on this provider. */
  Fleet fleet(ProviderContext context);
}
