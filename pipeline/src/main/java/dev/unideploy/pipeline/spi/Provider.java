package dev.unideploy.pipeline.spi;

/**
 * A deployment target (aws, gcp, azure, local), found through {@link java.util.ServiceLoader}: each
 * provider module lists its implementation in {@code
 * META-INF/services/dev.unideploy.pipeline.spi.Provider}.
 */
public interface Provider {

  /** The name users type after {@code --provider}. */
  String name();

  /** The publisher that turns a disk image into this provider's image. */
  ImagePublisher publisher(ProviderContext context);

  /** The fleet operations rollouts use on this provider. */
  Fleet fleet(ProviderContext context);
}
