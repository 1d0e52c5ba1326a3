package dev.unideploy.it.state;

/**
 * Remote state on fake-gcs-server, behind the checking proxy (it ignores ifGenerationMatch on
 * deletes: see the proxy).
 */
class GcsStateTest extends RemoteStateContractTest {
  @Override
  StateBackend newBackend() throws Exception {
    return new GcsBackend();
  }
}
