package dev.unideploy.provider.aws.http;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signs one HTTP request with AWS Signature Version 4 (header form), for the few hot calls that
 * unideploy makes without the SDK's per-request pipeline ({@link SignedHttp}).
 *
 * <p>Follows "Create a signed AWS API request"
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html): the query is
 * sorted, every header passed in is signed, and the path is URI-encoded twice, except for S3, which
 * signs the path as sent, encoded once
 * (https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html). The caller
 * supplies the payload's SHA-256, so a body that is hashed anyway (EBS block checksums) is not
 * hashed a second time. Cross-checked against the SDK's own signer in SigV4SignerTest.
 */
public final class SigV4Signer {
  private static final String ALGORITHM = "AWS4-HMAC-SHA256";
  private static final DateTimeFormatter AMZ_DATE =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'", Locale.ROOT).withZone(ZoneOffset.UTC);
  private static final HexFormat HEX = HexFormat.of();

  /** The access key, secret and optional session token a request is signed with. */
  public record Credentials(String accessKeyId, String secretAccessKey, String sessionToken) {
    @Override
    public String toString() {
      // Never print the secret or the token, whatever ends up formatting this record.
      return "Credentials[" + accessKeyId + "]";
    }
  }

  private final String service;
  private final String region;
  private final boolean s3;

  /** Cache of the derived signing key: it changes only with the day and the secret. */
  private volatile DerivedKey derived;

  private record DerivedKey(String day, String secret, byte[] key) {}

  public SigV4Signer(String service, String region) {
    this(service, region, false);
  }

  /**
   * @param s3 sign as S3 wants: the canonical path is the path as sent (encoded once, not
   *     normalized)
   */
  public SigV4Signer(String service, String region, boolean s3) {
    this.service = service;
    this.region = region;
    this.s3 = s3;
  }

  /**
   * The headers to add to the request so that it is signed: {@code X-Amz-Date}, {@code
   * Authorization} and, with temporary credentials, {@code X-Amz-Security-Token}.
   *
   * @param headers the headers that will be sent and signed (names in any case; {@code host} is
   *     derived from {@code uri} and must not be given)
   * @param payloadSha256Hex the lower-case hex SHA-256 of the body
   */
  public Map<String, String> sign(
      String method,
      URI uri,
      Map<String, String> headers,
      String payloadSha256Hex,
      Credentials credentials,
      Instant now) {
    String amzDate = AMZ_DATE.format(now);
    String day = amzDate.substring(0, 8);
    TreeMap<String, String> canonical = new TreeMap<>();
    headers.forEach((k, v) -> canonical.put(k.toLowerCase(Locale.ROOT), trimValue(v)));
    canonical.put("host", hostHeader(uri));
    canonical.put("x-amz-date", amzDate);
    if (credentials.sessionToken() != null) {
      canonical.put("x-amz-security-token", credentials.sessionToken());
    }
    StringBuilder request = new StringBuilder(256);
    request.append(method).append('\n');
    request.append(s3 ? s3CanonicalPath(uri.getRawPath()) : canonicalPath(uri.getRawPath()));
    request.append('\n');
    request.append(canonicalQuery(uri.getRawQuery())).append('\n');
    canonical.forEach((k, v) -> request.append(k).append(':').append(v).append('\n'));
    request.append('\n');
    String signedHeaders = String.join(";", canonical.keySet());
    request.append(signedHeaders).append('\n');
    request.append(payloadSha256Hex);

    String scope = day + "/" + region + "/" + service + "/aws4_request";
    String stringToSign =
        ALGORITHM + "\n" + amzDate + "\n" + scope + "\n" + HEX.formatHex(sha256(request));
    byte[] signature = hmac(signingKey(day, credentials.secretAccessKey()), stringToSign);

    Map<String, String> out = new LinkedHashMap<>();
    out.put("X-Amz-Date", amzDate);
    if (credentials.sessionToken() != null) {
      out.put("X-Amz-Security-Token", credentials.sessionToken());
    }
    out.put(
        "Authorization",
        ALGORITHM
            + " Credential="
            + credentials.accessKeyId()
            + "/"
            + scope
            + ", SignedHeaders="
            + signedHeaders
            + ", Signature="
            + HEX.formatHex(signature));
    return out;
  }

  /** The Host header as HTTP clients send it: the port only when it is not the scheme's default. */
  public static String hostHeader(URI uri) {
    int port = uri.getPort();
    boolean defaultPort =
        port == -1
            || ("https".equalsIgnoreCase(uri.getScheme()) && port == 443)
            || ("http".equalsIgnoreCase(uri.getScheme()) && port == 80);
    return defaultPort ? uri.getHost() : uri.getHost() + ":" + port;
  }

  private byte[] signingKey(String day, String secret) {
    DerivedKey d = derived;
    if (d != null && d.day.equals(day) && d.secret.equals(secret)) {
      return d.key;
    }
    byte[] k = hmac(("AWS4" + secret).getBytes(StandardCharsets.UTF_8), day);
    k = hmac(k, region);
    k = hmac(k, service);
    k = hmac(k, "aws4_request");
    derived = new DerivedKey(day, secret, k);
    return k;
  }

  /** Non-S3 services sign the path URI-encoded twice: once as sent, once more for signing. */
  static String canonicalPath(String rawPath) {
    if (rawPath == null || rawPath.isEmpty()) {
      return "/";
    }
    String[] segments = rawPath.split("/", -1);
    for (int i = 0; i < segments.length; i++) {
      segments[i] = encode(segments[i]);
    }
    return String.join("/", segments);
  }

  /** S3 signs the path as sent: its callers encode each key segment once, as the SDK does. */
  static String s3CanonicalPath(String rawPath) {
    return rawPath == null || rawPath.isEmpty() ? "/" : rawPath;
  }

  static String canonicalQuery(String rawQuery) {
    if (rawQuery == null || rawQuery.isEmpty()) {
      return "";
    }
    TreeMap<String, String> sorted = new TreeMap<>();
    for (String pair : rawQuery.split("&")) {
      int eq = pair.indexOf('=');
      String k = eq < 0 ? pair : pair.substring(0, eq);
      String v = eq < 0 ? "" : pair.substring(eq + 1);
      sorted.put(encode(decode(k)), encode(decode(v)));
    }
    StringBuilder sb = new StringBuilder();
    sorted.forEach(
        (k, v) -> sb.append(sb.length() == 0 ? "" : "&").append(k).append('=').append(v));
    return sb.toString();
  }

  /** RFC 3986 percent-encoding of everything but the unreserved characters. */
  public static String encode(String s) {
    StringBuilder sb = new StringBuilder(s.length());
    for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
      char c = (char) (b & 0xff);
      if ((c >= 'A' && c <= 'Z')
          || (c >= 'a' && c <= 'z')
          || (c >= '0' && c <= '9')
          || c == '-'
          || c == '_'
          || c == '.'
          || c == '~') {
        sb.append(c);
      } else {
        sb.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)));
        sb.append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
      }
    }
    return sb.toString();
  }

  private static String decode(String s) {
    return java.net.URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
  }

  /** Trims and collapses inner runs of spaces, as SigV4 asks; most values need neither. */
  static String trimValue(String v) {
    boolean clean = !v.isEmpty() && v.charAt(0) > ' ' && v.charAt(v.length() - 1) > ' ';
    for (int i = 0; clean && i < v.length(); i++) {
      char c = v.charAt(i);
      clean = c > ' ' || (c == ' ' && v.charAt(i + 1) != ' ');
    }
    if (clean) {
      return v;
    }
    StringBuilder sb = new StringBuilder(v.length());
    boolean space = false;
    for (int i = 0; i < v.length(); i++) {
      char c = v.charAt(i);
      if (c <= ' ') {
        space = sb.length() > 0;
      } else {
        if (space) {
          sb.append(' ');
          space = false;
        }
        sb.append(c);
      }
    }
    return sb.toString();
  }

  // One digest and one MAC per thread: getInstance() looks the algorithm up among the security
  // providers on every call, which costs more than hashing a canonical request.
  private static final ThreadLocal<MessageDigest> SHA256 =
      ThreadLocal.withInitial(
          () -> {
            try {
              return MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
              throw new IllegalStateException("this JVM has no SHA-256", e);
            }
          });
  private static final ThreadLocal<Mac> HMAC =
      ThreadLocal.withInitial(
          () -> {
            try {
              return Mac.getInstance("HmacSHA256");
            } catch (NoSuchAlgorithmException e) {
              throw new IllegalStateException("this JVM cannot compute HMAC-SHA256", e);
            }
          });

  /** The lower-case hex SHA-256 of a request body, as {@code x-amz-content-sha256} carries it. */
  public static String payloadHash(byte[] body) {
    return HEX.formatHex(SHA256.get().digest(body));
  }

  private static byte[] sha256(CharSequence s) {
    return SHA256.get().digest(s.toString().getBytes(StandardCharsets.UTF_8));
  }

  private static byte[] hmac(byte[] key, String data) {
    try {
      Mac mac = HMAC.get();
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
    } catch (InvalidKeyException e) {
      throw new IllegalStateException("an HMAC-SHA256 key was refused", e);
    }
  }
}
