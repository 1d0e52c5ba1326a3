package dev.unideploy.provider.azure.state;

import dev.unideploy.pipeline.UnideployException;
import dev.unideploy.pipeline.resilience.CallPolicy;
import dev.unideploy.pipeline.state.remote.ObjectStore;
import dev.unideploy.pipeline.state.remote.StoredObject;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Remote state objects as block blobs in an Azure Storage container, written with ETag conditions:
 * {@code If-None-Match: *} creates only a new blob (Azure answers 409 BlobAlreadyExists), {@code
 * If-Match: <etag>} replaces or deletes only the version last read (412 otherwise;
 * https://learn.microsoft.com/rest/api/storageservices/specifying-conditional-headers-for-blob-service-operations).
 * Plain REST calls ({@link BlobHttp}), each through the call policy, which retries transient
 * failures: the calls are idempotent under their conditions.
 */
final class AzureBlobObjectStore implements ObjectStore {
  /** A List Blobs page holds at most 5000 names of at most 1024 characters. */
  private static final long LIST_PAGE_BYTES = 32L << 20;

  private static final int MAX_LIST_PAGES = 10_000;

  private final BlobHttp http;
  private final CallPolicy policy;
  private final String location;

  /**
   * @param location {@code azblob://account/container}, for messages
   */
  AzureBlobObjectStore(BlobHttp http, CallPolicy policy, String location) {
    this.http = http;
    this.policy = policy;
    this.location = location;
  }

  /** The policy state calls use: retries of I/O errors and of 408, 429, 500 and 503 answers. */
  static CallPolicy policy(CallPolicy.Settings settings) {
    return new CallPolicy(
        settings,
        t ->
            t instanceof UncheckedIOException
                || (t instanceof BlobStatusException s && s.retryable()));
  }

  @Override
  public Optional<StoredObject> get(String key) {
    // One GET answers the bytes with the ETag and time of that very version: no second call, and
    // nothing to change in between.
    return call(
        "Get Blob",
        key,
        () -> {
          BlobHttp.Answer a = http.blob("GET", key, null, Map.of(), null, MAX_OBJECT_BYTES);
          if (a.status() == 404) {
            return Optional.empty();
          }
          expect(a, 200);
          if (a.truncated()) {
            throw new UnideployException(
                url(key)
                    + " is "
                    + (a.length() >= 0 ? a.length() : "more than " + MAX_OBJECT_BYTES)
                    + " bytes, far more than any state object: it is not one unideploy wrote;"
                    + " move it out of the state prefix");
          }
          Instant modified = time(a.lastModified());
          if (a.etag() == null || modified == null) {
            throw new UnideployException(
                "Get Blob on "
                    + url(key)
                    + " answered without an ETag or Last-Modified: the endpoint is not Azure"
                    + " Blob storage; check the connection string's BlobEndpoint");
          }
          return Optional.of(new StoredObject(a.body(), a.etag(), modified, serverNow(a)));
        });
  }

  @Override
  public Optional<String> createIfAbsent(String key, byte[] data) {
    return upload(key, data, "If-None-Match", "*");
  }

  @Override
  public Optional<String> replaceIfMatch(String key, byte[] data, String version) {
    return upload(key, data, "If-Match", version);
  }

  private Optional<String> upload(String key, byte[] data, String condition, String value) {
    Map<String, String> headers =
        Map.of(
            "Content-Type",
            "application/json",
            "x-ms-blob-content-type",
            "application/json",
            "x-ms-blob-type",
            "BlockBlob",
            condition,
            value);
    return call(
        "Put Blob",
        key,
        () -> {
          BlobHttp.Answer a = http.blob("PUT", key, null, headers, data, 0);
          // 409 BlobAlreadyExists for If-None-Match: *, 412 for a changed ETag, 404 for a blob
          // deleted since it was read.
          if (a.status() == 409 || a.status() == 412 || a.status() == 404) {
            return Optional.empty();
          }
          expect(a, 201);
          return Optional.of(a.etag());
        });
  }

  @Override
  public boolean deleteIfMatch(String key, String version) {
    return call(
        "Delete Blob",
        key,
        () -> {
          BlobHttp.Answer a = http.blob("DELETE", key, null, Map.of("If-Match", version), null, 0);
          if (a.status() == 412 || a.status() == 404) {
            return false;
          }
          expect(a, 202);
          return true;
        });
  }

  @Override
  public List<String> list(String prefix) {
    List<String> keys = new ArrayList<>();
    String marker = null;
    for (int page = 0; page < MAX_LIST_PAGES; page++) {
      String query =
          "restype=container&comp=list&prefix="
              + BlobHttp.encode(prefix)
              + (marker == null ? "" : "&marker=" + BlobHttp.encode(marker));
      BlobListing listing = call("List Blobs", prefix, () -> listPage(query, prefix));
      keys.addAll(listing.names());
      marker = listing.next();
      if (marker == null) {
        keys.sort(null);
        return keys;
      }
    }
    throw new UnideployException(
        "List Blobs on "
            + url(prefix)
            + " answered more than "
            + MAX_LIST_PAGES
            + " pages: the endpoint is not Azure Blob storage; check the connection string's"
            + " BlobEndpoint");
  }

  private BlobListing listPage(String query, String prefix) {
    BlobHttp.Answer a = http.container("GET", query, LIST_PAGE_BYTES);
    expect(a, 200);
    try {
      if (a.truncated()) {
        throw new IllegalArgumentException("it is larger than " + LIST_PAGE_BYTES + " bytes");
      }
      return BlobListing.parse(a.body());
    } catch (IllegalArgumentException e) {
      throw new UnideployException(
          "List Blobs on "
              + url(prefix)
              + " answered no list of blobs ("
              + e.getMessage()
              + "): the endpoint is not Azure Blob storage; check the connection string's"
              + " BlobEndpoint",
          e);
    }
  }

  @Override
  public String url(String key) {
    return location + "/" + key;
  }

  private static void expect(BlobHttp.Answer a, int status) {
    if (a.status() != status) {
      throw new BlobStatusException(a.status(), a.errorCode());
    }
  }

  /** The store's clock: the {@code Date} of its answer, this machine's if it has none. */
  private static Instant serverNow(BlobHttp.Answer a) {
    Instant t = time(a.date());
    return t == null ? Instant.now() : t;
  }

  private static Instant time(String rfc1123) {
    if (rfc1123 == null) {
      return null;
    }
    try {
      return ZonedDateTime.parse(rfc1123, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  private <T> T call(String api, String key, Supplier<T> body) {
    try {
      return policy.call(api, body);
    } catch (BlobStatusException e) {
      throw new UnideployException(
          api + " on " + url(key) + " failed: " + e.getMessage() + hint(e.status()), e);
    } catch (UncheckedIOException e) {
      throw new UnideployException(
          api + " on " + url(key) + " failed: " + e.getCause().getMessage() + hint(0), e);
    }
  }

  private static String hint(int status) {
    return switch (status) {
      case 401, 403 ->
          "; the state needs read, write, delete and list on the container (the role Storage"
              + " Blob Data Contributor), see docs/state.md";
      case 404 -> "; create the container first, or fix its name in state:";
      default -> "; check the network and re-run";
    };
  }

  /** An answer with a status the call does not expect. */
  static final class BlobStatusException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int status;

    BlobStatusException(int status, String code) {
      super("HTTP " + status + (code == null ? "" : " " + code));
      this.status = status;
    }

    int status() {
      return status;
    }

    /** Whether another attempt may succeed: timeouts, throttling, server errors. */
    boolean retryable() {
      return status == 408 || status == 429 || status == 500 || status == 503;
    }
  }
}
