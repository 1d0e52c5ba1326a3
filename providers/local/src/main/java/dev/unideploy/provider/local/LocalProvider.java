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
    var health = context.config().health();
    Integer first = context.config().deploy().firstPort();
    // The balancer checks what the health gate checks on the app port, when that is an HTTP GET.
    String httpCheck =
        health.http() != null && (health.port() == null || health.port().equals(first))
            ? health.http()
            : null;
    return new LocalFleet(
        LocalHome.resolve(s),
        s,
        httpCheck,
        context.events(),
        context.clock(),
        dev.unideploy.pipeline.qemu.AcceleratorChoice::auto,
        dev.unideploy.pipeline.qemu.KvmMemo.forUser());
  }

  @Override
  public ImageCatalog images(ProviderContext context) {
    LocalHome home = LocalHome.resolve(settings(context.config()));
    return new LocalImageCatalog(
        new ImageStore(home.store()), new InstanceRegistry(home), context.events());
  }
}
