package dev.unideploy.it.state;

/** Remote state on Azurite, which holds every ETag condition itself. */
class AzureBlobStateTest extends RemoteStateContractTest {
  @Override
  StateBackend newBackend() {
    return new AzureBackend();
  }
}
