package dev.unideploy.it.state;

import dev.unideploy.it.EmulatorEnv;
import dev.unideploy.pipeline.config.DeployConfig;
import dev.unideploy.pipeline.state.StateStore;
import dev.unideploy.pipeline.state.StateStores;
import java.net.URI;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/** State in a moto S3 bucket, reached through a {@link PreconditionProxy}. */
final class S3Backend extends StateBackend {
  // moto accepts any credentials; these have the shape of real ones so the SDK signs requests.
  static final String ACCESS_KEY = "AKIAIOSFODNN7EXAMPLE";
  static final String SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/EXAMPLEKEY";

  static {
    // The SDK's default chain reads these, as it would AWS_ACCESS_KEY_ID in a user's shell.
    System.setProperty("aws.accessKeyId", ACCESS_KEY);
    System.setProperty("aws.secretAccessKey", SECRET_KEY);
  }

  private final String bucket = uniquePrefix("unideploy-state");
  private final PreconditionProxy proxy;
  private final URI endpoint;
  private final S3Client s3;

  /** A bucket behind a new proxy in front of moto. */
  S3Backend() throws Exception {
    this(null);
  }

  /**
   * @param front an endpoint in front of the proxy (the EBS checking proxy), or null
   */
  S3Backend(java.util.function.Function<URI, URI> front) throws Exception {
    URI moto = EmulatorEnv.get().motoEndpoint();
    proxy = new PreconditionProxy(PreconditionProxy.Dialect.S3, moto);
    endpoint = front == null ? proxy.endpoint() : front.apply(proxy.endpoint());
    s3 =
        S3Client.builder()
            .endpointOverride(moto)
            .forcePathStyle(true)
            .region(Region.US_EAST_1)
            .credentialsProvider(
                StaticCredentialsProvider.create(
                    AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY)))
            .build();
    s3.createBucket(b -> b.bucket(bucket));
  }

  @Override
  PreconditionProxy proxy() {
    return proxy;
  }

  URI endpoint() {
    return endpoint;
  }

  @Override
  String scheme() {
    return "s3";
  }

  @Override
  String root() {
    return bucket;
  }

  @Override
  String providersYaml() {
    return "  aws: {region: us-east-1, endpoint: \"" + endpoint + "\"}\n";
  }

  @Override
  Map<String, String> childEnv() {
    return Map.of(
        "AWS_ACCESS_KEY_ID",
        ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY",
        SECRET_KEY,
        "AWS_REGION",
        "us-east-1");
  }

  @Override
  StateStore open(DeployConfig config) {
    return StateStores.open(config);
  }

  @Override
  void putRaw(String key, byte[] data) {
    s3.putObject(b -> b.bucket(bucket).key(key), RequestBody.fromBytes(data));
  }

  @Override
  List<String> listRaw(String prefix) {
    return s3.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(prefix)).contents().stream()
        .map(S3Object::key)
        .toList();
  }

  @Override
  List<String> violations() {
    return proxy.violations();
  }

  @Override
  public void close() {
    proxy.close();
    s3.close();
  }
}
