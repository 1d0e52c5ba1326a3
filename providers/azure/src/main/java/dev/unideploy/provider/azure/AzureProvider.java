package dev.unideploy.provider.azure;

import com.azure.core.credential.TokenCredential;
import dev.unideploy.pipeline.ToolVersion;
import dev.unideploy.pipeline.UnideployException;
import dev.unideploy.pipeline.config.DeployConfig;
import dev.unideploy.pipeline.spi.Fleet;
import dev.unideploy.pipeline.spi.ImageCatalog;
import dev.unideploy.pipeline.spi.ImagePublisher;
import dev.unideploy.pipeline.spi.Provider;
import dev.unideploy.pipeline.spi.ProviderContext;
import dev.unideploy.provider.azure.core.AzureClients;
import dev.unideploy.provider.azure.core.AzureSettings;
import dev.unideploy.provider.azure.fleet.AzureFleet;
import dev.unideploy.provider.azure.publish.AzureImagePublisher;
import dev.unideploy.provider.azure.publish.GalleryImageCatalog;

/**
 * The {@code azure} provider: fixed VHD uploads, Compute Gallery image versions, and rollouts on
 * virtual machine scale sets behind a load balancer.
 */
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
    AzureSettings s = settings(context);
    return new AzureImagePublisher(context, new AzureClients(s, credential), ToolVersion.get());
  }

  /**
   * Scale sets in {@code resourceGroup}; the load balancer keys are checked by the operations that
   * need them, so that {@code instances list} works without them.
   */
  @Override
  public Fleet fleet(ProviderContext context) {
    AzureSettings s = settings(context);
    return new AzureFleet(new AzureClients(s, credential), context.events(), context.clock());
  }

  /** The app's gallery image versions, found by their tags. */
  @Override
  public ImageCatalog images(ProviderContext context) {
    return new GalleryImageCatalog(context, new AzureClients(settings(context), credential));
  }

  private static AzureSettings settings(ProviderContext context) {
    AzureSettings s = context.config().providerSettings("azure", AzureSettings.class);
    try {
      s.requireSubscription();
      s.requireResourceGroup();
      s.requireLocation();
    } catch (IllegalArgumentException e) {
      throw new UnideployException(e.getMessage(), e);
    }
    return s;
  }
}
