package dev.unideploy.it.state;

import com.azure.core.util.BinaryData;
import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.BlobServiceClientBuilder;
import com.azure.storage.blob.models.BlobItem;
import com.azure.storage.blob.models.ListBlobsOptions;
import dev.unideploy.it.EmulatorEnv;
import dev.unideploy.pipeline.config.DeployConfig;
import dev.unideploy.pipeline.state.StateStore;
import dev.unideploy.provider.azure.state.AzureBlobStateStoreFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.util.List;
import java.util.Map;

/**
 * State in an Azurite container, reached directly or through a {@link PreconditionProxy} that only
 * logs and paces page uploads: Azurite 3.35.0 holds every ETag condition unideploy uses, also under
 * concurrency ({@link EmulatorPreconditionsTest}).
 */
final class AzureBackend extends StateBackend {
  private final String container = uniquePrefix("state");
  private final String connection;
  private final BlobContainerClient blobs;
  private final PreconditionProxy proxy;

  /** Azurite reached directly. */
  AzureBackend() {
    this(false);
  }

  /**
   * @param proxied whether the state (and whatever else uses the connection string or {@link
   *     #blobEndpoint()}) goes through a proxy
   */
  AzureBackend(boolean proxied) {
    EmulatorEnv env = EmulatorEnv.get();
    URI azurite = env.azuriteBlobEndpoint();
    try {
      proxy =
          proxied
              ? new PreconditionProxy(
                  PreconditionProxy.Dialect.AZURE_BLOB, azurite.resolve("/").normalize())
              : null;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    String direct = env.azuriteConnectionString();
    connection = proxied ? direct.replace(azurite.toString(), blobEndpoint().toString()) : direct;
    blobs =
        new BlobServiceClientBuilder()
            .connectionString(connection)
            .buildClient()
            .getBlobContainerClient(container);
    blobs.create();
  }

  /** Where blob requests go: Azurite's account endpoint, or the proxy's address of it. */
  URI blobEndpoint() {
    URI azurite = EmulatorEnv.get().azuriteBlobEndpoint();
    return proxy == null ? azurite : URI.create(proxy.endpoint() + azurite.getPath());
  }

  @Override
  PreconditionProxy proxy() {
    return proxy;
  }

  @Override
  String scheme() {
    return "azblob";
  }

  @Override
  String root() {
    return EmulatorEnv.get().azuriteAccount() + "/" + container;
  }

  @Override
  String providersYaml() {
    return "  azure: {}\n";
  }

  @Override
  Map<String, String> childEnv() {
    return Map.of("AZURE_STORAGE_CONNECTION_STRING", connection);
  }

  @Override
  StateStore open(DeployConfig config) {
    return new AzureBlobStateStoreFactory(childEnv()::get).open(URI.create(config.state()), config);
  }

  @Override
  void putRaw(String key, byte[] data) {
    blobs.getBlobClient(key).upload(BinaryData.fromBytes(data), true);
  }

  @Override
  List<String> listRaw(String prefix) {
    return blobs.listBlobs(new ListBlobsOptions().setPrefix(prefix), null).stream()
        .map(BlobItem::getName)
        .toList();
  }

  @Override
  List<String> violations() {
    return proxy == null ? List.of() : proxy.violations();
  }

  @Override
  public void close() {
    if (proxy != null) {
      proxy.close();
    }
  }
}
