package dev.unideploy.provider.aws.upload;

import dev.unideploy.provider.aws.http.HttpResult;
import dev.unideploy.provider.aws.http.RequestSender;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.core.exception.AbortedException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.retry.ClockSkew;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.ExecutableHttpRequest;
import software.amazon.awssdk.http.HttpExecuteRequest;
import software.amazon.awssdk.http.HttpExecuteResponse;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.SdkHttpResponse;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;

/**
 * For bench/aws-upload.sh only (not production): the EBS calls signed by the SDK's own SigV4 signer
 * ({@link AwsV4HttpSigner}) and sent on an SDK HTTP client (Apache or CRT), without the SDK's
 * request pipeline, so that the benchmark can compare that combination with unideploy's {@code
 * SignedHttp} side by side. PutSnapshotBlock goes as UNSIGNED-PAYLOAD (its body is guarded by the
 * signed x-amz-Checksum header); the other calls sign their body's hash.
 */
public final class SdkSignedSender implements RequestSender {
  private static final AwsV4HttpSigner SIGNER = AwsV4HttpSigner.create();

  /** One answer: status, headers and body (at most the caller's limit is read). */
  record Response(int status, Map<String, List<String>> headers, byte[] body) {
    /** The first value of header {@code name}, matched without regard to case. */
    public Optional<String> header(String name) {
      for (Map.Entry<String, List<String>> e : headers.entrySet()) {
        if (e.getKey().equalsIgnoreCase(name) && !e.getValue().isEmpty()) {
          return Optional.of(e.getValue().get(0));
        }
      }
      return Optional.empty();
    }
  }

  private final URI endpoint;
  private final String signingName;
  private final String region;
  private final SdkHttpClient http;
  private final AwsCredentialsProvider credentials;
  private final Duration attemptTimeout;
  private final ScheduledExecutorService timer;
  private final String userAgent;
  private final Clock clock;

  /** AWS's clock minus this machine's, learnt from a refusal; zero until then. */
  private volatile Duration skew = Duration.ZERO;

  /**
   * @param endpoint the service endpoint of the region, e.g. https://ebs.eu-west-1.amazonaws.com
   * @param signingName the SigV4 service name, e.g. {@code ebs} or {@code ec2}
   * @param http the SDK HTTP client, shared with the SDK's service clients
   * @param attemptTimeout how long one attempt may take, answer included
   * @param timer aborts attempts that pass {@code attemptTimeout}
   */
  SdkSignedSender(
      URI endpoint,
      String signingName,
      String region,
      SdkHttpClient http,
      AwsCredentialsProvider credentials,
      Duration attemptTimeout,
      ScheduledExecutorService timer,
      String userAgent,
      Clock clock) {
    this.endpoint = endpoint;
    this.signingName = signingName;
    this.region = region;
    this.http = http;
    this.credentials = credentials;
    this.attemptTimeout = attemptTimeout;
    this.timer = timer;
    this.userAgent = userAgent;
    this.clock = clock;
  }

  @Override
  public HttpResult send(
      String api,
      String method,
      String path,
      Map<String, String> headers,
      byte[] body,
      String payloadSha256Hex,
      int maxResponseBytes) {
    boolean checksummedBody = method.equals("PUT");
    SdkHttpRequest.Builder request =
        SdkHttpRequest.builder()
            .method(SdkHttpMethod.fromValue(method))
            .uri(resolve(path))
            .putHeader("User-Agent", userAgent);
    headers.forEach(request::putHeader);
    request.putHeader("Content-Length", Integer.toString(body.length));
    SdkHttpRequest unsigned = request.build();
    Response response = attempt(api, unsigned, body, checksummedBody, maxResponseBytes);
    if (correctedSkew(response)) {
      response = attempt(api, unsigned, body, checksummedBody, maxResponseBytes);
    }
    Map<String, String> flat = new java.util.HashMap<>();
    response
        .headers()
        .forEach((k, v) -> flat.put(k.toLowerCase(java.util.Locale.ROOT), v.get(v.size() - 1)));
    return new HttpResult(response.status(), flat, response.body());
  }

  private Response attempt(
      String api, SdkHttpRequest unsigned, byte[] body, boolean checksummedBody, int maxBytes) {
    Clock signingClock = Clock.offset(clock, skew);
    ContentStreamProvider payload = ContentStreamProvider.fromByteArrayUnsafe(body);
    SignedRequest signed =
        SIGNER.sign(
            r -> {
              r.identity(credentials.resolveCredentials())
                  .request(unsigned)
                  .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, signingName)
                  .putProperty(AwsV4HttpSigner.REGION_NAME, region)
                  .putProperty(AwsV4HttpSigner.PAYLOAD_SIGNING_ENABLED, !checksummedBody)
                  .putProperty(HttpSigner.SIGNING_CLOCK, signingClock);
              if (!checksummedBody) {
                r.payload(payload);
              }
            });
    ExecutableHttpRequest call =
        http.prepareRequest(
            HttpExecuteRequest.builder()
                .request(signed.request())
                .contentStreamProvider(signed.payload().orElse(payload))
                .build());
    AtomicBoolean expired = new AtomicBoolean();
    ScheduledFuture<?> deadline =
        timer.schedule(
            () -> {
              expired.set(true);
              call.abort();
            },
            attemptTimeout.toNanos(),
            TimeUnit.NANOSECONDS);
    try {
      HttpExecuteResponse answer = call.call();
      SdkHttpResponse head = answer.httpResponse();
      byte[] bytes = read(answer, maxBytes);
      return new Response(head.statusCode(), head.headers(), bytes);
    } catch (IOException | RuntimeException e) {
      if (Thread.currentThread().isInterrupted()) {
        throw AbortedException.builder().message(api + " interrupted").cause(e).build();
      }
      if (expired.get()) {
        throw SdkClientException.builder()
            .message(api + " got no complete answer within " + attemptTimeout.toMillis() + " ms")
            .cause(new IOException("attempt timed out", e))
            .build();
      }
      if (e instanceof IOException io) {
        // Reset, refused, read timeout: retryable (AwsRetryable looks for the I/O cause).
        throw SdkClientException.builder().message(api + ": " + io.getMessage()).cause(io).build();
      }
      throw (RuntimeException) e;
    } finally {
      deadline.cancel(false);
    }
  }

  private static byte[] read(HttpExecuteResponse answer, int maxBytes) throws IOException {
    if (answer.responseBody().isEmpty()) {
      return new byte[0];
    }
    try (InputStream in = answer.responseBody().get()) {
      byte[] bytes = in.readNBytes(maxBytes);
      if (in.read() >= 0) {
        throw new IOException("answer larger than " + maxBytes + " bytes");
      }
      return bytes;
    }
  }

  /**
   * AWS refuses a signature more than 5 minutes off its own clock. When a 4xx answer's Date says
   * this machine's clock is that far off, later signatures use AWS's time: the SDK's own clock-skew
   * adjustment, with its test ({@link ClockSkew}).
   */
  private boolean correctedSkew(Response response) {
    if (response.status() / 100 != 4) {
      return false;
    }
    Optional<Instant> server =
        ClockSkew.getServerTime(
            SdkHttpResponse.builder()
                .statusCode(response.status())
                .headers(response.headers())
                .build());
    Instant signedAt = clock.instant().plus(skew);
    if (server.isEmpty() || !ClockSkew.isClockSkewed(signedAt, server.get())) {
      return false; // the clocks agree: the refusal has another reason
    }
    skew = Duration.between(clock.instant(), server.get());
    return true;
  }

  private URI resolve(String path) {
    String base = endpoint.toString();
    return URI.create((base.endsWith("/") ? base.substring(0, base.length() - 1) : base) + path);
  }
}
