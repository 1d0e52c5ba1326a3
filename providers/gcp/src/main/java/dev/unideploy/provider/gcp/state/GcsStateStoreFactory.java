package dev.unideploy.provider.gcp.state;

import com.google.api.client.http.HttpRequestFactory;
import com.google.api.client.http.javanet.NetHttpTransport;
import com.google.auth.http.HttpCredentialsAdapter;
import dev.unideploy.pipeline.UnideployException;
import dev.unideploy.pipeline.config.DeployConfig;
import dev.unideploy.pipeline.resilience.CallPolicy;
import dev.unideploy.pipeline.state.StateStore;
import dev.unideploy.pipeline.state.StateStoreFactory;
import dev.unideploy.pipeline.state.remote.RemoteStateStore;
import dev.unideploy.pipeline.state.remote.StateUrl;
import dev.unideploy.provider.gcp.api.GcpCall;
import dev.unideploy.provider.gcp.api.GcpClients;
import dev.unideploy.provider.gcp.api.GcpRetryable;
import java.net.URI;
import java.time.Duration;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * {@code state: gs://bucket/prefix[?lease=60s]}: journals and locks in a Cloud Storage bucket,
 * reached with the credentials and storage endpoint of {@code providers.gcp}.
 */
public final class GcsStateStoreFactory implements StateStoreFactory {
  static final String EXAMPLE = "gs://my-team-state/unideploy?lease=60s";

  // https://cloud.google.com/storage/docs/buckets#naming
  private static final Pattern BUCKET = Pattern.compile("[a-z0-9][-a-z0-9_.]{1,220}[a-z0-9]");

  private static final URI STORAGE = URI.create("https://storage.googleapis.com");
  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(20);
  private static final Duration READ_TIMEOUT = Duration.ofSeconds(60);

  @Override
  public String scheme() {
    return "gs";
  }

  @Override
  public StateStore open(URI location, DeployConfig config) {
    StateUrl url = StateUrl.parse(location, EXAMPLE, Set.of());
    if (!BUCKET.matcher(url.authority()).matches()) {
      throw new UnideployException(
          "state location "
              + url.display()
              + ": '"
              + url.authority()
              + "' is not a Cloud Storage bucket name; write it like "
              + EXAMPLE);
    }
    GcsStateSettings settings = GcsStateSettings.from(config.providerSection("gcp"));
    HttpCredentialsAdapter auth =
        settings.anonymous()
            ? null
            : new HttpCredentialsAdapter(GcpClients.applicationDefaultCredentials());
    HttpRequestFactory requests =
        new NetHttpTransport()
            .createRequestFactory(
                request -> {
                  if (auth != null) {
                    auth.initialize(request);
                  }
                  request.setConnectTimeout((int) CONNECT_TIMEOUT.toMillis());
                  request.setReadTimeout((int) READ_TIMEOUT.toMillis());
                  request.setNumberOfRetries(0); // the call policy retries
                });
    GcpCall calls = new GcpCall(GcpRetryable.policy(CallPolicy.Settings.defaults()));
    URI root = settings.endpoint() != null ? settings.endpoint() : STORAGE;
    return new RemoteStateStore(new GcsObjectStore(requests, root, url.authority(), calls), url);
  }
}
