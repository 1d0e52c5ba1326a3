package dev.unideploy.provider.aws.testing;

import java.net.URI;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.HttpSigner;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;

/**
 * Verifies a received request's SigV4 signature the way AWS would, by re-signing what arrived with
 * the SDK's own signer (an implementation independent of unideploy's) and comparing. Used by the
 * fakes that stand in for EBS and S3, which (like moto) would otherwise accept any signature.
 */
public final class SdkSignatureCheck {
  private static final Pattern AUTH =
      Pattern.compile(
          "AWS4-HMAC-SHA256 Credential=([^/]+)/(\\d{8})/([^/]+)/([^/]+)/aws4_request,"
              + " SignedHeaders=([^,]+), Signature=([0-9a-f]{64})");
  private static final DateTimeFormatter AMZ_DATE =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'", Locale.ROOT).withZone(ZoneOffset.UTC);

  private SdkSignatureCheck() {}

  /**
   * Null when {@code authorization} is the signature the SDK computes for this request with these
   * credentials; otherwise what is wrong.
   *
   * @param uri the URI as the client addressed it (scheme, host and port included)
   * @param headers the received headers, any case; only the signed ones are used
   */
  public static String verify(
      String method,
      URI uri,
      Map<String, List<String>> headers,
      byte[] body,
      String accessKey,
      String secretKey) {
    String authorization = first(headers, "authorization");
    if (authorization == null) {
      return "no Authorization header";
    }
    Matcher m = AUTH.matcher(authorization);
    if (!m.matches()) {
      return "Authorization is not SigV4: " + authorization;
    }
    if (!m.group(1).equals(accessKey)) {
      return "signed with access key " + m.group(1) + ", expected " + accessKey;
    }
    String amzDate = first(headers, "x-amz-date");
    if (amzDate == null) {
      return "no X-Amz-Date header";
    }
    SdkHttpRequest.Builder request =
        SdkHttpRequest.builder().method(SdkHttpMethod.fromValue(method)).uri(uri);
    for (String name : m.group(5).split(";")) {
      if (name.equals("host")) {
        continue; // the SDK derives Host from the URI, as the client did
      }
      String value = first(headers, name);
      if (value == null) {
        return "signed header " + name + " was not received";
      }
      if (!name.equals("x-amz-date") && !name.equals("x-amz-security-token")) {
        request.putHeader(name, value);
      }
    }
    Instant at = Instant.from(AMZ_DATE.parse(amzDate));
    boolean s3 = m.group(4).equals("s3");
    // As AWS does: an UNSIGNED-PAYLOAD request's signature covers its headers, not its body.
    boolean unsignedBody = "UNSIGNED-PAYLOAD".equals(first(headers, "x-amz-content-sha256"));
    String expected =
        AwsV4HttpSigner.create()
            .sign(
                r -> {
                  r.identity(AwsCredentialsIdentity.create(accessKey, secretKey))
                      .request(request.build())
                      .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, m.group(4))
                      .putProperty(AwsV4HttpSigner.REGION_NAME, m.group(3))
                      .putProperty(AwsV4HttpSigner.PAYLOAD_SIGNING_ENABLED, !unsignedBody)
                      // S3 signs the path as sent: encoded once, not normalized.
                      .putProperty(AwsV4HttpSigner.DOUBLE_URL_ENCODE, !s3)
                      .putProperty(AwsV4HttpSigner.NORMALIZE_PATH, !s3)
                      .putProperty(HttpSigner.SIGNING_CLOCK, Clock.fixed(at, ZoneOffset.UTC));
                  if (!unsignedBody) {
                    r.payload(ContentStreamProvider.fromByteArray(body));
                  }
                })
            .request()
            .firstMatchingHeader("Authorization")
            .orElse("");
    return expected.equals(authorization)
        ? null
        : "signature mismatch: got " + authorization + ", the SDK computes " + expected;
  }

  private static String first(Map<String, List<String>> headers, String name) {
    for (Map.Entry<String, List<String>> e : headers.entrySet()) {
      if (e.getKey().equalsIgnoreCase(name) && !e.getValue().isEmpty()) {
        return e.getValue().get(0);
      }
    }
    return null;
  }
}
