package dev.unideploy.it.aws.upload;

import dev.unideploy.provider.aws.http.PooledHttpClient;
import dev.unideploy.provider.aws.http.SignedHttp;
import dev.unideploy.provider.aws.upload.EbsDirectApi;
import dev.unideploy.provider.aws.upload.EbsSnapshotUploader;
import dev.unideploy.provider.aws.upload.EbsUploadOptions;
import dev.unideploy.provider.aws.upload.HttpEbsDirectApi;
import dev.unideploy.provider.aws.upload.HttpSnapshotDescriber;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.function.UnaryOperator;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ebs.EbsClient;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * SDK clients as the uploaders expect them: an attempt timeout (a stuck connection is abandoned and
 * retried by CallPolicy), SDK retries off (CallPolicy is the one retry layer), enough connections
 * for the block concurrency; static dummy credentials for moto.
 */
final class AwsTestClients {
  static final StaticCredentialsProvider CREDENTIALS =
      StaticCredentialsProvider.create(
          AwsBasicCredentials.create("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/EXAMPLEKEY"));

  private AwsTestClients() {}

  static ClientOverrideConfiguration overrides(List<ExecutionInterceptor> interceptors) {
    return ClientOverrideConfiguration.builder()
        .apiCallAttemptTimeout(Duration.ofSeconds(30))
        .apiCallTimeout(Duration.ofMinutes(2))
        .retryStrategy(AwsRetryStrategy.doNotRetry())
        .executionInterceptors(interceptors)
        .build();
  }

  static SdkHttpClient http() {
    return ApacheHttpClient.builder()
        .maxConnections(64)
        .connectionTimeout(Duration.ofSeconds(5))
        .socketTimeout(Duration.ofSeconds(30))
        .build();
  }

  static EbsClient ebs(URI endpoint, ExecutionInterceptor... interceptors) {
    return EbsClient.builder()
        .endpointOverride(endpoint)
        .region(Region.US_EAST_1)
        .credentialsProvider(CREDENTIALS)
        .httpClient(http())
        .overrideConfiguration(overrides(List.of(interceptors)))
        .build();
  }

  static Ec2Client ec2(URI endpoint) {
    return Ec2Client.builder()
        .endpointOverride(endpoint)
        .region(Region.US_EAST_1)
        .credentialsProvider(CREDENTIALS)
        .httpClient(http())
        .overrideConfiguration(overrides(List.of()))
        .build();
  }

  /**
   * An uploader as production builds it: EBS direct calls and DescribeSnapshots as signed requests
   * on unideploy's own client.
   */
  static EbsSnapshotUploader directUploader(URI endpoint, EbsUploadOptions options) {
    return directUploader(endpoint, options, api -> api);
  }

  /** As {@link #directUploader(URI, EbsUploadOptions)}, the EBS API seen through {@code wrap}. */
  static EbsSnapshotUploader directUploader(
      URI endpoint, EbsUploadOptions options, UnaryOperator<EbsDirectApi> wrap) {
    PooledHttpClient http =
        new PooledHttpClient(endpoint, null, Duration.ofSeconds(5), options.concurrency());
    return new EbsSnapshotUploader(
        wrap.apply(new HttpEbsDirectApi(signed(endpoint, "ebs", http))),
        new HttpSnapshotDescriber(signed(endpoint, "ec2", http)),
        options,
        Clock.systemUTC());
  }

  private static SignedHttp signed(URI endpoint, String service, PooledHttpClient http) {
    return new SignedHttp(
        endpoint,
        service,
        "us-east-1",
        http,
        CREDENTIALS,
        Duration.ofSeconds(30),
        "unideploy-it",
        Clock.systemUTC());
  }

  static S3Client s3(URI endpoint, ExecutionInterceptor... interceptors) {
    return S3Client.builder()
        .endpointOverride(endpoint)
        .region(Region.US_EAST_1)
        .credentialsProvider(CREDENTIALS)
        .forcePathStyle(true)
        .httpClient(http())
        .overrideConfiguration(overrides(List.of(interceptors)))
        .build();
  }
}
