package dev.unideploy.provider.aws;

import dev.unideploy.pipeline.ToolVersion;
import dev.unideploy.pipeline.config.DeployConfig;
import dev.unideploy.pipeline.spi.Fleet;
import dev.unideploy.pipeline.spi.ImageCatalog;
import dev.unideploy.pipeline.spi.ImagePublisher;
import dev.unideploy.pipeline.spi.Provider;
import dev.unideploy.pipeline.spi.ProviderContext;
import dev.unideploy.provider.aws.clients.AwsClients;
import dev.unideploy.provider.aws.fleet.AwsFleet;
import dev.unideploy.provider.aws.publish.AwsImageCatalog;
import dev.unideploy.provider.aws.publish.AwsImagePublisher;
import dev.unideploy.provider.aws.publish.RegisterImageRequests;
import dev.unideploy.provider.aws.settings.AwsSettings;
import java.util.List;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;

/**
 * The {@code aws} provider: EBS snapshots, AMIs in several regions and accounts, and releases as
 * Auto Scaling groups behind load balancer target groups.
 */
public final class AwsProvider implements Provider {
  private final List<ExecutionInterceptor> interceptors;

  /** The provider ServiceLoader creates. */
  public AwsProvider() {
    this(List.of());
  }

  /** A provider whose SDK clients carry extra interceptors (tests observe requests with them). */
  public AwsProvider(List<ExecutionInterceptor> interceptors) {
    this.interceptors = List.copyOf(interceptors);
  }

  @Override
  public String name() {
    return "aws";
  }

  /** Binds {@code providers.aws} and checks it against {@code publish}; errors name the key. */
  @Override
  public void validate(DeployConfig config) {
    settings(config);
  }

  @Override
  public Class<AwsSettings> settingsType() {
    return AwsSettings.class;
  }

  @Override
  public ImagePublisher publisher(ProviderContext context) {
    AwsSettings settings = settings(context.config());
    return new AwsImagePublisher(
        context, settings, new AwsClients(settings, interceptors), ToolVersion.get());
  }

  /** The app's AMIs in the home region, found by their tags, for {@code unideploy images}. */
  @Override
  public ImageCatalog images(ProviderContext context) {
    AwsSettings settings = settings(context.config());
    return new AwsImageCatalog(
        new AwsClients(settings, interceptors), settings.copyTo(), context.events());
  }

  /** The section bound once, and checked against the provider-neutral publish settings. */
  private static AwsSettings settings(DeployConfig config) {
    AwsSettings settings = config.providerSettings("aws", AwsSettings.class);
    RegisterImageRequests.validate(config.publish(), settings.image());
    return settings;
  }

  @Override
  public Fleet fleet(ProviderContext context) {
    AwsSettings settings = settings(context.config());
    return new AwsFleet(
        new AwsClients(settings, interceptors), settings, context.events(), context.clock());
  }
}
