package dev.unideploy.provider.local;

import dev.unideploy.pipeline.config.DeployConfig;
import dev.unideploy.pipeline.spi.Fleet;
import dev.unideploy.pipeline.spi.ImageCatalog;
import dev.unideploy.pipeline.spi.ImagePublisher;
import dev.unideploy.pipeline.spi.Provider;
import dev.unideploy.pipeline.spi.ProviderContext;

/** The embedded default provider: a local image store, and instances as QEMU processes. */
public final class LocalProvider implements Provider {
  public static final String NAME = "local";

  @Override
  public String name() {
    return NAME;
  }

  /** Binds {@code providers.local}; a bad key or value fails with the key's name. */
  @Override
  public void validate(DeployConfig config) {
    settings(config);
  }

  @Override
  public Class<LocalSettings> settingsType() {
    return LocalSettings.class;
  }

  private static LocalSettings settings(DeployConfig config) {
    return config.providerSettings(NAME, LocalSettings.class);
  }

  @Override
  public ImagePublisher publisher(ProviderContext context) {
    LocalHome home = LocalHome.resolve(settings(context.config()));
    return new LocalImagePublisher(
        new ImageStore(home.store()),
        new InstanceRegistry(home),
        context.events(),
        context.clock());
  }

  @Override
  public Fleet fleet(ProviderContext context) {
    LocalSettings s = settings(context.config());
    return new LocalFleet(LocalHome.resolve(s), s, context.events(), context.clock());
  }

  @Override
  public ImageCatalog images(ProviderContext context) {
    LocalHome home = LocalHome.resolve(settings(context.config()));
    return new LocalImageCatalog(
        new ImageStore(home.store()), new InstanceRegistry(home), context.events());
  }
}
