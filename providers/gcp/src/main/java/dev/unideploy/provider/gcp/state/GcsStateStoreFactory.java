package dev.unideploy.provider.gcp.state;

import com.google.cloud.NoCredentials;
import com.google.cloud.storage.HttpStorageOptions;
import com.google.cloud.storage.StorageOptions;
import dev.unideploy.pipeline.UnideployException;
import dev.unideploy.pipeline.config.DeployConfig;
import dev.unideploy.pipeline.state.StateStore;
import dev.unideploy.pipeline.state.StateStoreFactory;
import dev.unideploy.pipeline.state.remote.RemoteStateStore;
import dev.unideploy.pipeline.state.remote.StateUrl;
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

  /** Object operations need no project; naming one keeps the client from probing for it. */
  private static final String NO_PROJECT = "unideploy-state";

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
    ServerClock clock = new ServerClock(Duration.ofSeconds(20), Duration.ofSeconds(60));
    HttpStorageOptions.Builder b =
        StorageOptions.http()
            .setTransportOptions(clock)
            .setProjectId(settings.project() != null ? settings.project() : NO_PROJECT);
    if (settings.anonymous()) {
      b.setCredentials(NoCredentials.getInstance());
    }
    if (settings.endpoint() != null) {
      String host = settings.endpoint().toString();
      b.setHost(host.endsWith("/") ? host.substring(0, host.length() - 1) : host);
    }
    return new RemoteStateStore(
        new GcsObjectStore(b.build().getService(), url.authority(), clock), url);
  }
}
