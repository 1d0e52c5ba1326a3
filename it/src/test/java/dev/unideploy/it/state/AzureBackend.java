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
import java.net.URI;
import java.util.List;
import java.util.Map;

/**
 * State in an Azurite container, reached directly: Azurite 3.35.0 holds every ETag condition
 * unideploy uses, also under concurrency ({@link EmulatorPreconditionsTest}).
 */
final class AzureBackend extends StateBackend {
  private final String container = uniquePrefix("state");
  private final String connection;
  private final BlobContainerClient blobs;

  AzureBackend() {
    connection = EmulatorEnv.get().azuriteConnectionString();
    blobs =
        new BlobServiceClientBuilder()
            .connectionString(connection)
            .buildClient()
            .getBlobContainerClient(container);
    blobs.create();
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
    return List.of();
  }

  @Override
  public void close() {}
}
