package dev.unideploy.provider.azure;

import com.azure.core.credential.TokenCredential;
import dev.unideploy.pipeline.ToolVersion;
import dev.unideploy.pipeline.UnideployException;
import dev.unideploy.pipeline.config.DeployConfig;
import dev.unideploy.pipeline.spi.Fleet;
import dev.unideploy.pipeline.spi.ImagePublisher;
import dev.unideploy.pipeline.spi.Provider;
import dev.unideploy.pipeline.spi.ProviderContext;
import dev.unideploy.provider.azure.core.AzureClients;
import dev.unideploy.provider.azure.core.AzureSettings;
import dev.unideploy.provider.azure.publish.AzureImagePublisher;

/** The {@code azure} provider: fixed VHD uploads, Compute Gallery image versions. */
public final class AzureProvider implements Provider {
  private final TokenCredential credential;

  /** The provider ServiceLoader creates: credentials from {@code DefaultAzureCredential}. */
  public AzureProvider() {
    this(null);
  }

  /** A provider with a given credential (tests against the local fake). */
  public AzureProvider(TokenCredential credential) {
    this.credential = credential;
  }

  @Override
  public String name() {
    return "azure";
  }

  /** Binds {@code providers.azure}; errors name the key. */
  @Override
  public Class<AzureSettings> settingsType() {
    return AzureSettings.class;
  }

  @Override
  public void validate(DeployConfig config) {
    AzureSettings s = config.providerSettings("azure", AzureSettings.class);
    if (s.upload().pageBlob() && s.upload().storageAccount() == null) {
      throw new UnideployException(
          "providers.azure.upload.storageAccount is required for page-blob");
    }
  }

  @Override
  public ImagePublisher publisher(ProviderContext context) {
    AzureSettings s = context.config().providerSettings("azure", AzureSettings.class);
    try {
      s.requireSubscription();
      s.requireResourceGroup();
      s.requireLocation();
    } catch (IllegalArgumentException e) {
      throw new UnideployException(e.getMessage(), e);
    }
    return new AzureImagePublisher(context, new AzureClients(s, credential), ToolVersion.get());
  }

  @Override
  public Fleet fleet(ProviderContext context) {
    throw new UnideployException(
        "rollouts on azure (scale sets) are not part of this version yet; publish with"
            + " `unideploy publish --provider azure`, or deploy with --provider local");
  }
}
