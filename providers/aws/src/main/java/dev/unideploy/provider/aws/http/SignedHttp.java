package dev.unideploy.provider.aws.http;

import java.io.IOException;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.core.exception.AbortedException;
import software.amazon.awssdk.core.exception.SdkClientException;

/**
 * One AWS service endpoint reached without the SDK's request pipeline: signs each request with
 * SigV4 (credentials from the SDK's provider, so profiles and assumed roles still apply) and sends
 * it on a {@link PooledHttpClient} under a per-attempt deadline. I/O failures become the SDK's
 * exception types, so {@code AwsRetryable} decides about retries as for the SDK's own calls;
 * answers of any status are returned for the caller to map.
 */
public final class SignedHttp implements RequestSender {
  private final URI endpoint;
  private final PooledHttpClient http;
  private final AwsCredentialsProvider credentials;
  private final SigV4Signer signer;
  private final Duration attemptTimeout;
  private final String userAgent;
  private final Clock clock;

  private static final long SKEW_TOLERANCE_MILLIS = 4 * 60 * 1000;

  /** AWS's clock minus this machine's, learnt from a refusal; 0 until then. */
  private volatile long skewMillis;

  /**
   * @param endpoint the service endpoint of the region, e.g. https://ebs.eu-west-1.amazonaws.com; a
   *     path in it (an S3 bucket's, path-style) prefixes every request's
   * @param service the SigV4 signing name, e.g. {@code ebs}, {@code ec2} or {@code s3}
   * @param http a client for {@code endpoint}, shared by the threads that call
   * @param attemptTimeout how long one attempt may take, response included
   */
  public SignedHttp(
      URI endpoint,
      String service,
      String region,
      PooledHttpClient http,
      AwsCredentialsProvider credentials,
      Duration attemptTimeout,
      String userAgent,
      Clock clock) {
    this.endpoint = endpoint;
    this.http = http;
    this.credentials = credentials;
    // S3 signs its paths differently from every other service (SigV4Signer).
    this.signer = new SigV4Signer(service, region, service.equals("s3"));
    this.attemptTimeout = attemptTimeout;
    this.userAgent = HeaderValues.checked("User-Agent", userAgent);
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
    HttpResult result =
        attempt(api, method, path, headers, body, payloadSha256Hex, maxResponseBytes);
    if (adjustedForSkew(result)) {
      // Signed with a clock AWS considers wrong: once more, with AWS's time.
      result = attempt(api, method, path, headers, body, payloadSha256Hex, maxResponseBytes);
    }
    return result;
  }

  private HttpResult attempt(
      String api,
      String method,
      String path,
      Map<String, String> callerHeaders,
      byte[] body,
      String payloadSha256Hex,
      int maxResponseBytes) {
    URI uri = resolve(path);
    callerHeaders.forEach(HeaderValues::checked); // before anything is signed or sent
    Map<String, String> headers = new LinkedHashMap<>(callerHeaders);
    // Sent and signed like the SDK does: the payload hash as a header too.
    headers.put("x-amz-content-sha256", payloadSha256Hex);
    AwsCredentials creds = credentials.resolveCredentials();
    headers.putAll(
        signer.sign(
            method,
            uri,
            headers,
            payloadSha256Hex,
            new SigV4Signer.Credentials(
                creds.accessKeyId(),
                creds.secretAccessKey(),
                creds instanceof AwsSessionCredentials s ? s.sessionToken() : null),
            clock.instant().plusMillis(skewMillis)));
    headers.put("User-Agent", userAgent);
    try {
      String rawPath = uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
      String target = uri.getRawQuery() == null ? rawPath : rawPath + "?" + uri.getRawQuery();
      return http.send(method, target, headers, body, attemptTimeout, maxResponseBytes);
    } catch (ProxyTunnelException e) {
      // The proxy refused the tunnel (credentials, a forbidden host): the same answer again,
      // unless the proxy or what is behind it failed for the moment.
      SdkClientException.Builder failure = SdkClientException.builder().message(e.getMessage());
      throw (e.transientFailure() ? failure.cause(e) : failure).build();
    } catch (IOException e) {
      if (Thread.currentThread().isInterrupted()) {
        throw AbortedException.builder().message(api + " interrupted").cause(e).build();
      }
      // Reset, refused, timed out: retryable (AwsRetryable looks for the I/O cause).
      throw SdkClientException.builder().message(api + ": " + e.getMessage()).cause(e).build();
    }
  }

  /**
   * AWS refuses a signature more than 5 minutes off its own clock (403 "Signature expired" or
   * 400/403 "RequestTimeTooSkewed"). Like the SDK's clock-skew adjustment, a refusal whose Date
   * header is more than 4 minutes from this machine's clock moves this client's signing clock to
   * AWS's, so a CI runner with a drifting clock still uploads.
   */
  private boolean adjustedForSkew(HttpResult result) {
    if (result.status() != 400 && result.status() != 403) {
      return false;
    }
    Optional<String> date = result.header("date");
    if (date.isEmpty()) {
      return false;
    }
    long server;
    try {
      server =
          ZonedDateTime.parse(date.get(), DateTimeFormatter.RFC_1123_DATE_TIME)
              .toInstant()
              .toEpochMilli();
    } catch (DateTimeParseException e) {
      return false;
    }
    long skew = server - clock.millis();
    if (Math.abs(skew - skewMillis) < SKEW_TOLERANCE_MILLIS) {
      return false; // the clocks agree: the refusal has another reason
    }
    skewMillis = skew;
    return true;
  }

  private URI resolve(String path) {
    String base = endpoint.toString();
    return URI.create(
        base.endsWith("/") ? base.substring(0, base.length() - 1) + path : base + path);
  }
}
