package dev.unideploy.provider.gcp;

import dev.unideploy.pipeline.ToolVersion;
import dev.unideploy.pipeline.config.DeployConfig;
import dev.unideploy.pipeline.spi.Fleet;
import dev.unideploy.pipeline.spi.ImagePublisher;
import dev.unideploy.pipeline.spi.Provider;
import dev.unideploy.pipeline.spi.ProviderContext;
import dev.unideploy.provider.gcp.api.GcpClients;
import dev.unideploy.provider.gcp.config.GcpSettings;
import dev.unideploy.provider.gcp.fleet.GcpFleet;
import dev.unideploy.provider.gcp.publish.GcpImagePublisher;

/** The {@code gcp} provider: Compute Engine images from Cloud Storage, managed instance groups. */
public final class GcpProvider implements Provider {
  public static final String NAME = "gcp";

  @Override
  public String name() {
    return NAME;
  }

  /** Binds {@code providers.gcp} and checks it against {@code publish}; errors name the key. */
  @Override
  public void validate(DeployConfig config) {
    GcpSettings settings = config.providerSettings(NAME, GcpSettings.class);
    GcpImagePublisher.validate(config.publish(), settings);
  }

  @Override
  public Class<GcpSettings> settingsType() {
    return GcpSettings.class;
  }

  @Override
  public ImagePublisher publisher(ProviderContext context) {
    GcpSettings settings = context.config().providerSettings(NAME, GcpSettings.class);
    GcpImagePublisher.validate(context.config().publish(), settings);
    return new GcpImagePublisher(context, settings, new GcpClients(settings), ToolVersion.get());
  }

  @Override
  public Fleet fleet(ProviderContext context) {
    GcpSettings settings = context.config().providerSettings(NAME, GcpSettings.class);
    settings.fleet().scope(); // a clear error before any call when no zone or region is set
    return new GcpFleet(new GcpClients(settings), settings, context.events());
  }
}
