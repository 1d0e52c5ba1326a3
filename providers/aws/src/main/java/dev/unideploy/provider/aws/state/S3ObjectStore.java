package dev.unideploy.provider.aws.state;

import dev.unideploy.pipeline.UnideployException;
import dev.unideploy.pipeline.resilience.CallPolicy;
import dev.unideploy.pipeline.state.remote.ObjectStore;
import dev.unideploy.pipeline.state.remote.StoredObject;
import dev.unideploy.provider.aws.call.AwsRetryable;
import dev.unideploy.provider.aws.http.HttpResult;
import dev.unideploy.provider.aws.http.RequestSender;
import dev.unideploy.provider.aws.http.ResponseTooLargeException;
import dev.unideploy.provider.aws.http.SigV4Signer;
import java.io.IOException;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;

/**
 * Remote state objects in an S3 bucket, written with S3's conditional writes: {@code If-None-Match:
 * *} creates only a new key, {@code If-Match: <etag>} replaces or deletes only the version last
 * read (https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-requests.html). Both
 * answer 412 when the condition fails, and 409 when a concurrent write to the same key raced this
 * one, which S3 asks callers to retry.
 *
 * <p>Plain S3 REST calls, signed by {@link RequestSender} (SigV4 as S3 signs it), not the SDK's S3
 * client: building that client and its first calls loaded ~900 classes and took ~0.7 s of a remote
 * state publish (+11.4% wall, +13% CPU over local state on moto) for ~20 small requests.
 */
final class S3ObjectStore implements ObjectStore {
  private static final String JSON = "application/json";
  private static final String EXPECTED_OWNER = "x-amz-expected-bucket-owner";
  private static final String EMPTY_SHA256 = SigV4Signer.payloadHash(new byte[0]);

  /** A listing page holds at most 1000 keys of at most 1 KiB each, XML-escaped. */
  private static final int MAX_LIST_PAGE_BYTES = 16 << 20;

  private final RequestSender http;
  private final String bucket;
  private final Supplier<String> bucketOwner;
  private final CallPolicy policy;
  private final AutoCloseable owner;

  /**
   * @param http S3 requests on the bucket: paths are keys under its endpoint (virtual-hosted, or
   *     path-style with the bucket in the endpoint's path)
   * @param bucketOwner the caller's account, sent as {@code x-amz-expected-bucket-owner} so that a
   *     bucket another account owns is refused with 403
   *     (https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-owner-condition.html); asked
   *     on each request (the supplier caches it)
   * @param owner closed with this store (the clients {@code http} came from)
   */
  S3ObjectStore(
      RequestSender http,
      String bucket,
      Supplier<String> bucketOwner,
      CallPolicy.Settings retry,
      AutoCloseable owner) {
    this.http = http;
    this.bucket = bucket;
    this.bucketOwner = bucketOwner;
    this.owner = owner;
    this.policy = new CallPolicy(retry, S3ObjectStore::retryable);
  }

  /** AWS's transient errors, and 409 ConditionalRequestConflict: a race S3 asks us to retry. */
  static boolean retryable(Throwable t) {
    return AwsRetryable.isRetryable(t)
        || (t instanceof AwsServiceException e
            && e.statusCode() == 409
            && "ConditionalRequestConflict".equals(AwsRetryable.errorCode(e)));
  }

  @Override
  public Optional<StoredObject> get(String key) {
    return call(
        "GetObject",
        key,
        () -> {
          HttpResult r;
          try {
            r = send("GetObject", "GET", path(key), Map.of(), new byte[0], (int) MAX_OBJECT_BYTES);
          } catch (SdkClientException e) {
            if (e.getCause() instanceof ResponseTooLargeException big) {
              throw tooLarge(key, big);
            }
            throw e;
          }
          if (r.status() == 404 && "NoSuchKey".equals(S3Xml.error(r.body()).code())) {
            return Optional.empty();
          }
          if (r.status() / 100 != 2) {
            throw S3Errors.fromResponse(r);
          }
          String etag = r.header("ETag").orElse(null);
          Instant modified = r.header("Last-Modified").map(S3ObjectStore::httpDate).orElse(null);
          if (etag == null || modified == null) {
            throw SdkClientException.create(
                "GetObject answered without " + (etag == null ? "an ETag" : "a Last-Modified"));
          }
          Instant now = r.header("Date").map(S3ObjectStore::httpDate).orElse(null);
          return Optional.of(
              new StoredObject(r.body(), etag, modified, now != null ? now : Instant.now()));
        });
  }

  private UnideployException tooLarge(String key, ResponseTooLargeException big) {
    if (big.declaredBytes() < 0) {
      return new UnideployException(url(key) + " is larger than any state object");
    }
    return new UnideployException(
        url(key)
            + " is "
            + big.declaredBytes()
            + " bytes, far more than any state object: it is not one unideploy wrote;"
            + " move it out of the state prefix");
  }

  @Override
  public Optional<String> createIfAbsent(String key, byte[] data) {
    return put(key, data, "If-None-Match", "*");
  }

  @Override
  public Optional<String> replaceIfMatch(String key, byte[] data, String version) {
    return put(key, data, "If-Match", version);
  }

  private Optional<String> put(String key, byte[] data, String condition, String value) {
    return call(
        "PutObject",
        key,
        () -> {
          Map<String, String> headers = new LinkedHashMap<>();
          headers.put("Content-Type", JSON);
          headers.put(condition, value);
          HttpResult r = send("PutObject", "PUT", path(key), headers, data, 0);
          // 404: a replace of a key that is gone (S3 answers If-Match on a missing key so).
          if (r.status() == 412 || (r.status() == 404 && condition.equals("If-Match"))) {
            return Optional.empty();
          }
          if (r.status() / 100 != 2) {
            throw S3Errors.fromResponse(r);
          }
          return Optional.of(
              r.header("ETag")
                  .orElseThrow(() -> SdkClientException.create("PutObject answered no ETag")));
        });
  }

  @Override
  public boolean deleteIfMatch(String key, String version) {
    return call(
        "DeleteObject",
        key,
        () -> {
          HttpResult r =
              send(
                  "DeleteObject", "DELETE", path(key), Map.of("If-Match", version), new byte[0], 0);
          if (r.status() == 412 || r.status() == 404) {
            return false;
          }
          if (r.status() / 100 != 2) {
            throw S3Errors.fromResponse(r);
          }
          return true;
        });
  }

  @Override
  public List<String> list(String prefix) {
    return call(
        "ListObjectsV2",
        prefix,
        () -> {
          List<String> keys = new ArrayList<>();
          Set<String> tokens = new HashSet<>();
          String token = null;
          do {
            String query =
                "?list-type=2&encoding-type=url&prefix="
                    + SigV4Signer.encode(prefix)
                    + (token == null ? "" : "&continuation-token=" + SigV4Signer.encode(token));
            HttpResult r =
                send(
                    "ListObjectsV2",
                    "GET",
                    "/" + query,
                    Map.of(),
                    new byte[0],
                    MAX_LIST_PAGE_BYTES);
            if (r.status() / 100 != 2) {
              throw S3Errors.fromResponse(r);
            }
            S3Xml.ListPage page;
            try {
              page = S3Xml.listPage(r.body());
            } catch (IOException e) {
              // Not a network failure: the same answer would come again.
              throw SdkClientException.create("ListObjectsV2 answered: " + e.getMessage());
            }
            keys.addAll(page.keys());
            token = page.nextToken();
            if (token != null && !tokens.add(token)) {
              throw SdkClientException.create(
                  "ListObjectsV2 answered a continuation token it had already given");
            }
          } while (token != null);
          // S3 lists in UTF-8 binary order already; the journal relies on that order.
          keys.sort(null);
          return keys;
        });
  }

  @Override
  public String url(String key) {
    return "s3://" + bucket + "/" + key;
  }

  @Override
  public void close() {
    try {
      owner.close();
    } catch (Exception e) {
      // Closing HTTP pools: nothing a caller could act on.
    }
  }

  /**
   * One signed request, with the expected bucket owner and the body's SHA-256 (S3 checks it).
   *
   * @param maxResponseBytes the largest answer read, or 0 for the sender's default
   */
  private HttpResult send(
      String api,
      String method,
      String path,
      Map<String, String> callerHeaders,
      byte[] body,
      int maxResponseBytes) {
    Map<String, String> headers = new LinkedHashMap<>(callerHeaders);
    headers.put(EXPECTED_OWNER, bucketOwner.get());
    String sha = body.length == 0 ? EMPTY_SHA256 : SigV4Signer.payloadHash(body);
    return maxResponseBytes > 0
        ? http.send(api, method, path, headers, body, sha, maxResponseBytes)
        : http.send(api, method, path, headers, body, sha);
  }

  /** The request path of {@code key}: each segment percent-encoded once, as S3 signs it. */
  static String path(String key) {
    StringBuilder sb = new StringBuilder(key.length() + 8);
    for (String segment : key.split("/", -1)) {
      sb.append('/').append(SigV4Signer.encode(segment));
    }
    return sb.toString();
  }

  private <T> T call(String api, String key, Supplier<T> body) {
    try {
      return policy.call(api, body);
    } catch (UnideployException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new UnideployException(
          api + " on " + url(key) + " failed: " + AwsRetryable.describe(e) + hint(e), e);
    }
  }

  private static String hint(Throwable t) {
    if (t instanceof AwsServiceException e) {
      if (e.statusCode() == 403) {
        return "; the state needs s3:GetObject, s3:PutObject, s3:DeleteObject and s3:ListBucket"
            + " on the bucket and prefix (docs/state.md), and the bucket must belong to the"
            + " credentials' account";
      }
      if (e.statusCode() == 301 || "PermanentRedirect".equals(AwsRetryable.errorCode(e))) {
        return "; the bucket is in another region: add ?region=<its region> to the state URL";
      }
      if ("NoSuchBucket".equals(AwsRetryable.errorCode(e))) {
        return "; create the bucket first, or fix its name in state:";
      }
    }
    return "; check the network and re-run";
  }

  private static Instant httpDate(String value) {
    try {
      return ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
    } catch (DateTimeParseException e) {
      return null;
    }
  }
}
