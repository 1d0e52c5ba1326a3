package dev.unideploy.pipeline.state;

import dev.unideploy.pipeline.config.DeployConfig;
import java.net.URI;

/**
 * Opens a remote {@link StateStore} for a {@code state:} URL ({@code s3://}, {@code gs://}, {@code
 * azblob://}); provider modules list theirs in {@code
 * META-INF/services/dev.unideploy.pipeline.state.StateStoreFactory}.
 */
public interface StateStoreFactory {

  /** The URL scheme this factory serves, such as {@code s3}. */
  String scheme();

  /** Opens the store at {@code location}, with credentials and endpoints from {@code config}. */
  StateStore open(URI location, DeployConfig config);
}
