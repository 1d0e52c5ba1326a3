package dev.unideploy.it.state;

/** Remote state on moto's S3, behind the checking proxy (moto's If-Match races: see the proxy). */
class S3StateTest extends RemoteStateContractTest {
  @Override
  StateBackend newBackend() throws Exception {
    return new S3Backend();
  }
}
