package dev.unideploy.provider.aws;

import dev.unideploy.pipeline.UnideployException;
import dev.unideploy.pipeline.config.DeployConfig;
import dev.unideploy.pipeline.spi.Fleet;
import dev.unideploy.pipeline.spi.ImagePublisher;
import dev.unideploy.pipeline.spi.Provider;
import dev.unideploy.pipeline.spi.ProviderContext;
import dev.unideploy.provider.aws.publish.AwsImagePublisher;
import dev.unideploy.provider.aws.publish.RegisterImageRequests;
import java.util.List;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;

/** The {@code aws} provider: EBS snapshots, AMIs in several regions and accounts. */
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
    AwsSettings settings = config.providerSettings("aws", AwsSettings.class);
    RegisterImageRequests.validate(config.publish(), settings.image());
  }

  @Override
  public Class<AwsSettings> settingsType() {
    return AwsSettings.class;
  }

  @Override
  public ImagePublisher publisher(ProviderContext context) {
    validate(context.config());
    AwsSettings settings = context.config().providerSettings("aws", AwsSettings.class);
    return new AwsImagePublisher(
        context, settings, new AwsClients(settings, interceptors), ToolVersion.get());
  }

  @Override
  public Fleet fleet(ProviderContext context) {
    throw new UnideployException(
        "rollouts on aws (Auto Scaling groups behind a load balancer) are not part of this"
            + " version; publish with `unideploy publish --provider aws` and roll with your own"
            + " launch templates, or use --provider local");
  }
}
