package dev.unideploy.provider.aws.state;

import dev.unideploy.pipeline.UnideployException;
import dev.unideploy.pipeline.resilience.CallPolicy;
import dev.unideploy.pipeline.state.remote.ObjectStore;
import dev.unideploy.pipeline.state.remote.StoredObject;
import dev.unideploy.provider.aws.call.AwsRetryable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Remote state objects in an S3 bucket, written with S3's conditional writes: {@code If-None-Match:
 * *} creates only a new key, {@code If-Match: <etag>} replaces or deletes only the version last
 * read (https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-requests.html). Both
 * answer 412 when the condition fails, and 409 when a concurrent write to the same key raced this
 * one, which S3 asks callers to retry.
 */
final class S3ObjectStore implements ObjectStore {
  private final S3Client s3;
  private final String bucket;
  private final CallPolicy policy;
  private final AutoCloseable owner;

  /**
   * @param owner closed with this store (the clients {@code s3} came from)
   */
  S3ObjectStore(S3Client s3, String bucket, CallPolicy.Settings retry, AutoCloseable owner) {
    this.s3 = s3;
    this.bucket = bucket;
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
          try (ResponseInputStream<GetObjectResponse> in =
              s3.getObject(b -> b.bucket(bucket).key(key))) {
            GetObjectResponse r = in.response();
            if (r.contentLength() != null && r.contentLength() > MAX_OBJECT_BYTES) {
              throw new UnideployException(
                  url(key)
                      + " is "
                      + r.contentLength()
                      + " bytes, far more than any state object: it is not one unideploy wrote;"
                      + " move it out of the state prefix");
            }
            byte[] data = in.readNBytes((int) MAX_OBJECT_BYTES + 1);
            if (data.length > MAX_OBJECT_BYTES) {
              throw new UnideployException(url(key) + " is larger than any state object");
            }
            Instant now =
                r.sdkHttpResponse()
                    .firstMatchingHeader("Date")
                    .map(S3ObjectStore::httpDate)
                    .orElse(null);
            return Optional.of(
                new StoredObject(
                    data, r.eTag(), r.lastModified(), now != null ? now : Instant.now()));
          } catch (NoSuchKeyException e) {
            return Optional.empty();
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        });
  }

  @Override
  public Optional<String> createIfAbsent(String key, byte[] data) {
    return call(
        "PutObject",
        key,
        () -> {
          try {
            return Optional.of(
                s3.putObject(
                        b -> b.bucket(bucket).key(key).ifNoneMatch("*").contentType(JSON),
                        RequestBody.fromBytes(data))
                    .eTag());
          } catch (AwsServiceException e) {
            if (e.statusCode() == 412) {
              return Optional.empty();
            }
            throw e;
          }
        });
  }

  @Override
  public Optional<String> replaceIfMatch(String key, byte[] data, String version) {
    return call(
        "PutObject",
        key,
        () -> {
          try {
            return Optional.of(
                s3.putObject(
                        b -> b.bucket(bucket).key(key).ifMatch(version).contentType(JSON),
                        RequestBody.fromBytes(data))
                    .eTag());
          } catch (AwsServiceException e) {
            if (e.statusCode() == 412 || e.statusCode() == 404) {
              return Optional.empty();
            }
            throw e;
          }
        });
  }

  @Override
  public boolean deleteIfMatch(String key, String version) {
    return call(
        "DeleteObject",
        key,
        () -> {
          try {
            s3.deleteObject(b -> b.bucket(bucket).key(key).ifMatch(version));
            return true;
          } catch (AwsServiceException e) {
            if (e.statusCode() == 412 || e.statusCode() == 404) {
              return false;
            }
            throw e;
          }
        });
  }

  @Override
  public List<String> list(String prefix) {
    return call(
        "ListObjectsV2",
        prefix,
        () -> {
          List<String> keys = new ArrayList<>();
          for (S3Object o :
              s3.listObjectsV2Paginator(
                      ListObjectsV2Request.builder().bucket(bucket).prefix(prefix).build())
                  .contents()) {
            keys.add(o.key());
          }
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

  private static final String JSON = "application/json";

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
