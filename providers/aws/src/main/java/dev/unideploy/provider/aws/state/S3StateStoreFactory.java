package dev.unideploy.provider.aws.state;

import dev.unideploy.pipeline.UnideployException;
import dev.unideploy.pipeline.config.DeployConfig;
import dev.unideploy.pipeline.resilience.CallPolicy;
import dev.unideploy.pipeline.state.StateStore;
import dev.unideploy.pipeline.state.StateStoreFactory;
import dev.unideploy.pipeline.state.remote.RemoteStateStore;
import dev.unideploy.pipeline.state.remote.StateUrl;
import dev.unideploy.provider.aws.clients.AwsClients;
import dev.unideploy.provider.aws.settings.AwsSettings;
import java.net.URI;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * {@code state: s3://bucket/prefix[?lease=60s&region=eu-west-1]}: journals and locks in an S3
 * bucket, reached with the credentials, endpoint, timeouts and retries of {@code providers.aws}.
 * The bucket's region is {@code region=}, else the provider's home region.
 */
public final class S3StateStoreFactory implements StateStoreFactory {
  static final String EXAMPLE = "s3://my-team-state/unideploy?lease=60s";
  private static final Pattern BUCKET = Pattern.compile("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]");
  private static final Pattern REGION = Pattern.compile("[a-z]{2}(-[a-z]+)+-\\d{1,2}");

  @Override
  public String scheme() {
    return "s3";
  }

  @Override
  public StateStore open(URI location, DeployConfig config) {
    StateUrl url = StateUrl.parse(location, EXAMPLE, Set.of("region"));
    if (!BUCKET.matcher(url.authority()).matches()) {
      throw new UnideployException(
          "state location "
              + url.display()
              + ": '"
              + url.authority()
              + "' is not an S3 bucket name (3-63 lowercase letters, digits, . and -); write it"
              + " like "
              + EXAMPLE);
    }
    String region = url.params().get("region");
    if (region != null && !REGION.matcher(region).matches()) {
      throw new UnideployException(
          "state option region=" + region + " is not an AWS region such as eu-west-1");
    }
    AwsSettings settings = config.providerSettings("aws", AwsSettings.class);
    AwsClients clients = new AwsClients(settings, List.of());
    CallPolicy.Settings retry =
        CallPolicy.Settings.defaults()
            .withMaxAttempts(settings.retry().maxAttempts())
            // A journal append per step and per batch of blocks: far below S3's per-prefix rates.
            .withCallsPerSecond(500);
    String bucketRegion = region != null ? region : clients.homeRegion();
    return new RemoteStateStore(
        new S3ObjectStore(
            clients.s3Bucket(bucketRegion, url.authority()),
            url.authority(),
            () -> clients.expectedBucketOwner(bucketRegion),
            retry,
            clients),
        url);
  }
}
