package dev.unideploy.provider.azure.state;

import com.azure.identity.DefaultAzureCredentialBuilder;
import com.azure.storage.common.StorageSharedKeyCredential;
import com.fasterxml.jackson.databind.JsonNode;
import dev.unideploy.pipeline.UnideployException;
import dev.unideploy.pipeline.config.DeployConfig;
import dev.unideploy.pipeline.resilience.CallPolicy;
import dev.unideploy.pipeline.state.StateStore;
import dev.unideploy.pipeline.state.StateStoreFactory;
import dev.unideploy.pipeline.state.remote.RemoteStateStore;
import dev.unideploy.pipeline.state.remote.StateUrl;
import java.net.URI;
import java.time.Duration;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * {@code state: azblob://account/container/prefix[?lease=60s]}: journals and locks as block blobs
 * in a container. Credentials, in this order: {@code AZURE_STORAGE_CONNECTION_STRING} (its endpoint
 * too: how Azurite is reached), {@code AZURE_STORAGE_KEY} (the account's shared key), else Entra ID
 * through {@code DefaultAzureCredential} with the tenant and authority host of {@code
 * providers.azure}. Keys stay in the environment, never in unideploy.yaml.
 */
public final class AzureBlobStateStoreFactory implements StateStoreFactory {
  static final String EXAMPLE = "azblob://myaccount/unideploy-state/team?lease=60s";
  private static final Duration TIMEOUT = Duration.ofSeconds(60);
  private static final Pattern ACCOUNT = Pattern.compile("[a-z0-9]{3,24}");
  private static final Pattern CONTAINER =
      Pattern.compile("[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]");

  private final Function<String, String> env;

  /** The factory ServiceLoader creates: credentials from the process environment. */
  public AzureBlobStateStoreFactory() {
    this(System::getenv);
  }

  /** A factory reading its environment variables through {@code env} (tests). */
  public AzureBlobStateStoreFactory(Function<String, String> env) {
    this.env = env;
  }

  @Override
  public String scheme() {
    return "azblob";
  }

  @Override
  public StateStore open(URI location, DeployConfig config) {
    StateUrl url = StateUrl.parse(location, EXAMPLE, Set.of());
    String account = url.authority();
    int slash = url.path().indexOf('/');
    String container = slash < 0 ? url.path() : url.path().substring(0, slash);
    String prefix = slash < 0 ? "" : url.path().substring(slash + 1) + "/";
    if (!ACCOUNT.matcher(account).matches() || !CONTAINER.matcher(container).matches()) {
      throw new UnideployException(
          "state location "
              + url.display()
              + " does not name a storage account (3-24 lowercase letters and digits) and a"
              + " container (3-63 lowercase letters, digits and single hyphens); write it like "
              + EXAMPLE);
    }
    Endpoint e = endpoint(account, config.providerSection("azure"));
    return new RemoteStateStore(
        new AzureBlobObjectStore(
            new BlobHttp(e.uri(), container, e.auth(), TIMEOUT),
            AzureBlobObjectStore.policy(CallPolicy.Settings.defaults()),
            "azblob://" + account + "/" + container),
        prefix,
        url.lease(),
        url.display());
  }

  /** Where the account's blobs are, and how requests there are authorised. */
  private record Endpoint(URI uri, BlobAuthorization auth) {}

  private Endpoint endpoint(String account, JsonNode azure) {
    String connection = env.apply("AZURE_STORAGE_CONNECTION_STRING");
    if (connection != null && !connection.isBlank()) {
      BlobConnectionString c;
      try {
        c = BlobConnectionString.parse(connection);
      } catch (IllegalArgumentException e) {
        // Its message never quotes the string, which holds the key.
        throw new UnideployException(
            "AZURE_STORAGE_CONNECTION_STRING is not a storage connection string ("
                + e.getMessage()
                + "): copy it again from the storage account's Access keys page");
      }
      if (!account.equals(c.account())) {
        throw new UnideployException(
            "AZURE_STORAGE_CONNECTION_STRING is for account '"
                + c.account()
                + "', but state: names account '"
                + account
                + "': use the connection string of that account, or unset it to sign in with"
                + " Entra ID");
      }
      return new Endpoint(
          c.endpoint(),
          c.key() != null
              ? BlobAuthorization.sharedKey(new StorageSharedKeyCredential(account, c.key()))
              : BlobAuthorization.sas(c.sas()));
    }
    URI endpoint = URI.create("https://" + account + ".blob.core.windows.net");
    String key = env.apply("AZURE_STORAGE_KEY");
    if (key != null && !key.isBlank()) {
      try {
        BlobConnectionString.decodeKey(key.strip());
      } catch (IllegalArgumentException e) {
        throw new UnideployException(
            "AZURE_STORAGE_KEY is not a storage account key (base64): copy it again from the"
                + " storage account's Access keys page");
      }
      return new Endpoint(
          endpoint,
          BlobAuthorization.sharedKey(new StorageSharedKeyCredential(account, key.strip())));
    }
    DefaultAzureCredentialBuilder credential = new DefaultAzureCredentialBuilder();
    JsonNode tenant = azure.path("tenant");
    if (tenant.isTextual()) {
      credential.tenantId(tenant.asText());
    }
    JsonNode authority = azure.path("endpoints").path("authorityHost");
    if (authority.isTextual()) {
      credential.authorityHost(authority.asText()).disableInstanceDiscovery();
    }
    return new Endpoint(endpoint, BlobAuthorization.bearer(credential.build()));
  }
}
