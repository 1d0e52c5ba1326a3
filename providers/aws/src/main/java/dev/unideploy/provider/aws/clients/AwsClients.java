package dev.unideploy.provider.aws.clients;

import dev.unideploy.pipeline.UnideployException;
import dev.unideploy.pipeline.resilience.CallPolicy;
import dev.unideploy.provider.aws.call.AwsRetryable;
import dev.unideploy.provider.aws.http.PooledHttpClient;
import dev.unideploy.provider.aws.http.ProxyRoute;
import dev.unideploy.provider.aws.http.ProxySelection;
import dev.unideploy.provider.aws.http.SignedHttp;
import dev.unideploy.provider.aws.settings.AwsCredentialSettings;
import dev.unideploy.provider.aws.settings.AwsSettings;
import dev.unideploy.provider.aws.upload.EbsDirectApi;
import dev.unideploy.provider.aws.upload.HttpEbsDirectApi;
import dev.unideploy.provider.aws.upload.HttpSnapshotDescriber;
import dev.unideploy.provider.aws.upload.SnapshotDescriber;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.ProfileCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.awscore.endpoint.DualstackEnabledProvider;
import software.amazon.awssdk.awscore.endpoint.FipsEnabledProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.client.builder.SdkSyncClientBuilder;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.endpoints.Endpoint;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.http.apache.ProxyConfiguration;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;
import software.amazon.awssdk.services.autoscaling.AutoScalingClient;
import software.amazon.awssdk.services.ebs.endpoints.EbsEndpointParams;
import software.amazon.awssdk.services.ebs.endpoints.EbsEndpointProvider;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.endpoints.Ec2EndpointParams;
import software.amazon.awssdk.services.ec2.endpoints.Ec2EndpointProvider;
import software.amazon.awssdk.services.elasticloadbalancingv2.ElasticLoadBalancingV2Client;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.ssm.SsmClient;
import software.amazon.awssdk.services.sts.StsClient;
import software.amazon.awssdk.services.sts.auth.StsAssumeRoleCredentialsProvider;
import software.amazon.awssdk.services.sts.endpoints.StsEndpointParams;
import software.amazon.awssdk.services.sts.endpoints.StsEndpointProvider;
import software.amazon.awssdk.utils.SdkAutoCloseable;

/**
 * Builds and caches the SDK clients of each region, all configured the same way: credentials from
 * the settings (default chain, profile, assumed role per region), the endpoint override, per-call
 * and per-attempt timeouts, and no SDK-level retries (every call goes through {@link #policy()},
 * whose retries, backoff and rate limits are the project's own).
 */
public final class AwsClients implements AutoCloseable {

  private final AwsSettings settings;
  private final String homeRegion;
  private final List<ExecutionInterceptor> interceptors;
  private final ProxySelection proxies;
  private final SdkHttpClient http;
  private final AwsCredentialsProvider baseCredentials;
  private final CallPolicy policy;
  private final Map<String, Object> clients = new ConcurrentHashMap<>();
  private final Map<String, AwsCredentialsProvider> regionCredentials = new HashMap<>();
  private final List<SdkAutoCloseable> closeables = new ArrayList<>();
  private final Map<String, PooledHttpClient> blockHttp = new HashMap<>();
  private final Map<String, String> accounts = new ConcurrentHashMap<>();

  private static final String USER_AGENT = "unideploy";

  /**
   * @param interceptors extra SDK interceptors on every client (tests capture requests with them)
   */
  public AwsClients(AwsSettings settings, List<ExecutionInterceptor> interceptors) {
    this(settings, interceptors, System::getenv, System::getProperty);
  }

  /**
   * @param env the environment variables proxies are read from (tests pass their own)
   * @param props the JVM system properties proxies are read from
   */
  AwsClients(
      AwsSettings settings,
      List<ExecutionInterceptor> interceptors,
      UnaryOperator<String> env,
      UnaryOperator<String> props) {
    this.settings = settings;
    this.homeRegion = resolveHomeRegion(settings);
    this.interceptors = List.copyOf(interceptors);
    String scheme = settings.endpoint() == null ? "https" : settings.endpoint().getScheme();
    this.proxies = ProxySelection.resolve(scheme, env, props);
    this.http =
        ApacheHttpClient.builder()
            .maxConnections(Math.max(64, settings.upload().concurrency() + 16))
            .proxyConfiguration(sdkProxy(proxies))
            .build();
    this.baseCredentials =
        settings.credentials().profile() == null
            ? DefaultCredentialsProvider.builder().build()
            : ProfileCredentialsProvider.builder()
                .profileName(settings.credentials().profile())
                .build();
    this.policy = AwsRetryable.policy(settings.retry().policySettings());
  }

  public AwsSettings settings() {
    return settings;
  }

  /** Where uploads and registration happen: {@code region:} or the SDK's default region. */
  public String homeRegion() {
    return homeRegion;
  }

  /** The proxy AWS calls go through (HTTPS_PROXY and the like), or empty when they go directly. */
  public Optional<ProxyRoute> proxy() {
    return proxies.proxy();
  }

  /**
   * The SDK's clients take the same proxy as the signed calls, with the SDK's own reading of the
   * environment off: it would pick HTTP_PROXY for https endpoints ({@link ProxySelection}).
   */
  private static ProxyConfiguration sdkProxy(ProxySelection proxies) {
    ProxyConfiguration.Builder b =
        ProxyConfiguration.builder()
            .useSystemPropertyValues(false)
            .useEnvironmentVariableValues(false);
    proxies
        .proxy()
        .ifPresent(
            p -> {
              b.endpoint(URI.create("http://" + p.address()))
                  .nonProxyHosts(proxies.bypassPatterns());
              if (p.hasCredentials()) {
                b.username(p.username())
                    .password(p.password())
                    .preemptiveBasicAuthenticationEnabled(true);
              }
            });
    return b.build();
  }

  /** The retry and rate-limit policy every AWS call of this run goes through. */
  public CallPolicy policy() {
    return policy;
  }

  public Ec2Client ec2(String region) {
    return client("ec2", region, r -> configure(Ec2Client.builder(), r).build());
  }

  public SsmClient ssm(String region) {
    return client("ssm", region, r -> configure(SsmClient.builder(), r).build());
  }

  public AutoScalingClient autoScaling(String region) {
    return client("autoscaling", region, r -> configure(AutoScalingClient.builder(), r).build());
  }

  public ElasticLoadBalancingV2Client loadBalancing(String region) {
    return client(
        "elbv2", region, r -> configure(ElasticLoadBalancingV2Client.builder(), r).build());
  }

  /**
   * The EBS direct API of {@code region}: SigV4-signed requests on unideploy's own HTTP/1.1 client
   * ({@link HttpEbsDirectApi}). The SDK's signer and HTTP clients cost 1.4-1.8x its CPU per upload
   * (BENCHMARKS.md, "AWS upload"), so this is the one path. It goes through the same proxy as the
   * SDK's clients.
   */
  public EbsDirectApi ebsDirect(String region) {
    return new HttpEbsDirectApi(signedHttp("ebs", region));
  }

  /** DescribeSnapshots in {@code region} for uploads, as {@link #ebsDirect} sends its calls. */
  public SnapshotDescriber snapshots(String region) {
    return new HttpSnapshotDescriber(signedHttp("ec2", region));
  }

  private SignedHttp signedHttp(String service, String region) {
    return signedHttp(directEndpoint(service, region), service, region);
  }

  private SignedHttp signedHttp(URI endpoint, String service, String region) {
    return new SignedHttp(
        endpoint,
        service,
        region,
        blockHttp(endpoint),
        credentials(region),
        settings.timeouts().apiCallAttempt(),
        USER_AGENT,
        Clock.systemUTC());
  }

  /**
   * Where signed calls to {@code service} ("ebs", "ec2" or "sts") go: the endpoint override, or
   * where the SDK's endpoint rules send its own clients (partition, FIPS, dual-stack).
   */
  URI directEndpoint(String service, String region) {
    if (settings.endpoint() != null) {
      return settings.endpoint();
    }
    Region r = Region.of(region);
    Boolean fips = fips();
    Boolean dual = dualStack();
    CompletableFuture<Endpoint> rules =
        switch (service) {
          case "ebs" ->
              EbsEndpointProvider.defaultProvider()
                  .resolveEndpoint(
                      EbsEndpointParams.builder()
                          .region(r)
                          .useFips(fips)
                          .useDualStack(dual)
                          .build());
          case "sts" ->
              StsEndpointProvider.defaultProvider()
                  .resolveEndpoint(
                      StsEndpointParams.builder()
                          .region(r)
                          .useFips(fips)
                          .useDualStack(dual)
                          .build());
          default ->
              Ec2EndpointProvider.defaultProvider()
                  .resolveEndpoint(
                      Ec2EndpointParams.builder()
                          .region(r)
                          .useFips(fips)
                          .useDualStack(dual)
                          .build());
        };
    return rules.join().url();
  }

  /**
   * FIPS endpoints when the SDK's clients would use them (AWS_USE_FIPS_ENDPOINT, the
   * aws.useFipsEndpoint property or use_fips_endpoint in the profile): the signed calls must go
   * where the SDK's would, or a FIPS-bound account would send its disk elsewhere.
   */
  private Boolean fips() {
    return FipsEnabledProvider.builder()
        .profileName(settings.credentials().profile())
        .build()
        .isFipsEnabled()
        .orElse(false);
  }

  /** Dual-stack endpoints when the SDK's clients would use them, as {@link #fips()}. */
  private Boolean dualStack() {
    return DualstackEnabledProvider.builder()
        .profileName(settings.credentials().profile())
        .build()
        .isDualstackEnabled()
        .orElse(false);
  }

  private PooledHttpClient blockHttp(URI endpoint) {
    synchronized (blockHttp) {
      return blockHttp.computeIfAbsent(
          endpoint.getScheme() + "://" + endpoint.getAuthority(),
          k ->
              new PooledHttpClient(
                  endpoint,
                  null,
                  Duration.ofSeconds(10),
                  settings.upload().concurrency(),
                  proxies.routeFor(endpoint.getHost()).orElse(null)));
    }
  }

  /**
   * The S3 client of {@code region}. Every request carries the caller's account as the expected
   * bucket owner ({@link ExpectedBucketOwner}).
   */
  public S3Client s3(String region) {
    // Path-style: custom endpoints (emulators, S3-compatible stores) rarely resolve
    // bucket.host names; against AWS itself virtual-hosted style is kept.
    return client(
        "s3",
        region,
        r ->
            configure(
                    S3Client.builder(),
                    r,
                    credentials(r),
                    List.of(new ExpectedBucketOwner(() -> account(r))))
                .forcePathStyle(settings.endpoint() != null)
                .build());
  }

  /**
   * S3 requests on {@code bucket} in {@code region}, signed and sent as {@link #ebsDirect} sends
   * its calls, for the remote state's few small objects: the SDK's S3 client cost a remote-state
   * publish ~0.7 s to build and warm up (+11.4% wall over local state on moto). With the endpoint
   * override, path-style ({@code endpoint/bucket}); otherwise where the SDK's S3 client would go.
   */
  public SignedHttp s3Bucket(String region, String bucket) {
    return signedHttp(s3BucketEndpoint(region, bucket), "s3", region);
  }

  /** The base URL of {@code bucket}'s objects: {@code /key} is appended to it. */
  URI s3BucketEndpoint(String region, String bucket) {
    return settings.endpoint() != null
        ? URI.create(settings.endpoint().toString().replaceAll("/+$", "") + "/" + bucket)
        : S3BucketEndpoint.resolve(bucket, region, fips(), dualStack());
  }

  /**
   * The caller's account as S3's {@code x-amz-expected-bucket-owner} wants it, for requests that do
   * not go through {@link #s3} ({@link ExpectedBucketOwner}).
   */
  public String expectedBucketOwner(String region) {
    return ExpectedBucketOwner.checked(account(region));
  }

  /** The account the credentials of {@code region} belong to (STS GetCallerIdentity, cached). */
  public String account(String region) {
    return accounts.computeIfAbsent(
        region,
        r ->
            policy.call(
                "GetCallerIdentity",
                () -> CallerIdentity.account(signedHttp(directEndpoint("sts", r), "sts", r))));
  }

  @SuppressWarnings("unchecked") // each key prefix maps to exactly one client type
  private <T extends SdkAutoCloseable> T client(
      String service, String region, Function<String, T> build) {
    return (T)
        clients.computeIfAbsent(
            service + "@" + region,
            k -> {
              T c = build.apply(region);
              synchronized (closeables) {
                closeables.add(c);
              }
              return c;
            });
  }

  private <B extends AwsClientBuilder<B, ?> & SdkSyncClientBuilder<B, ?>> B configure(
      B builder, String region) {
    return configure(builder, region, credentials(region));
  }

  private <B extends AwsClientBuilder<B, ?> & SdkSyncClientBuilder<B, ?>> B configure(
      B builder, String region, AwsCredentialsProvider credentials) {
    return configure(builder, region, credentials, List.of());
  }

  private <B extends AwsClientBuilder<B, ?> & SdkSyncClientBuilder<B, ?>> B configure(
      B builder,
      String region,
      AwsCredentialsProvider credentials,
      List<ExecutionInterceptor> extra) {
    builder
        .region(Region.of(region))
        .credentialsProvider(credentials)
        .overrideConfiguration(overrides(extra))
        .httpClient(http);
    if (settings.endpoint() != null) {
      builder.endpointOverride(settings.endpoint());
    }
    return builder;
  }

  private ClientOverrideConfiguration overrides(List<ExecutionInterceptor> extra) {
    ClientOverrideConfiguration.Builder o =
        ClientOverrideConfiguration.builder()
            .apiCallTimeout(settings.timeouts().apiCall())
            .apiCallAttemptTimeout(settings.timeouts().apiCallAttempt())
            .retryStrategy(AwsRetryStrategy.doNotRetry());
    extra.forEach(o::addExecutionInterceptor);
    interceptors.forEach(o::addExecutionInterceptor);
    return o.build();
  }

  /** The base credentials, or the role assumed with them for {@code region}. */
  synchronized AwsCredentialsProvider credentials(String region) {
    AwsCredentialSettings.RoleSettings role = settings.credentials().roleFor(region);
    if (role == null) {
      return baseCredentials;
    }
    AwsCredentialsProvider cached = regionCredentials.get(region);
    if (cached != null) {
      return cached;
    }
    // STS of the same region (regional endpoints), signed with the base credentials.
    StsClient sts = configure(StsClient.builder(), region, baseCredentials).build();
    StsAssumeRoleCredentialsProvider provider =
        StsAssumeRoleCredentialsProvider.builder()
            .stsClient(sts)
            .refreshRequest(
                a -> {
                  a.roleArn(role.roleArn()).roleSessionName(settings.credentials().sessionName());
                  if (role.externalId() != null) {
                    a.externalId(role.externalId());
                  }
                })
            .build();
    synchronized (closeables) {
      closeables.add(provider);
      closeables.add(sts);
    }
    regionCredentials.put(region, provider);
    return provider;
  }

  private static String resolveHomeRegion(AwsSettings settings) {
    if (settings.region() != null) {
      return settings.region();
    }
    try {
      return new DefaultAwsRegionProviderChain().getRegion().id();
    } catch (SdkClientException e) {
      throw new UnideployException(
          "no AWS region: set providers.aws.region in unideploy.yaml, or AWS_REGION, or a"
              + " region in your AWS profile",
          e);
    }
  }

  @Override
  public void close() {
    synchronized (closeables) {
      for (SdkAutoCloseable c : closeables) {
        c.close();
      }
      closeables.clear();
    }
    clients.clear();
    synchronized (blockHttp) {
      blockHttp.values().forEach(PooledHttpClient::close);
      blockHttp.clear();
    }
    if (baseCredentials instanceof SdkAutoCloseable c) {
      c.close();
    }
    http.close();
  }
}
