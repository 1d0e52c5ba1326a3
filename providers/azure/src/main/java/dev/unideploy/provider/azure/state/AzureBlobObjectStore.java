package dev.unideploy.provider.azure.state;

import com.azure.core.http.HttpHeaderName;
import com.azure.core.http.rest.Response;
import com.azure.core.util.BinaryData;
import com.azure.core.util.Context;
import com.azure.core.util.DateTimeRfc1123;
import com.azure.storage.blob.BlobClient;
import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.models.BlobDownloadContentResponse;
import com.azure.storage.blob.models.BlobHttpHeaders;
import com.azure.storage.blob.models.BlobItem;
import com.azure.storage.blob.models.BlobProperties;
import com.azure.storage.blob.models.BlobRequestConditions;
import com.azure.storage.blob.models.BlobStorageException;
import com.azure.storage.blob.models.ListBlobsOptions;
import com.azure.storage.blob.options.BlockBlobSimpleUploadOptions;
import dev.unideploy.pipeline.UnideployException;
import dev.unideploy.pipeline.state.remote.ObjectStore;
import dev.unideploy.pipeline.state.remote.StoredObject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Remote state objects as block blobs in an Azure Storage container, written with ETag conditions:
 * {@code If-None-Match: *} creates only a new blob (Azure answers 409 BlobAlreadyExists), {@code
 * If-Match: <etag>} replaces or deletes only the version last read (412 otherwise;
 * https://learn.microsoft.com/rest/api/storageservices/specifying-conditional-headers-for-blob-service-operations).
 * The client's retry policy retries transient failures.
 */
final class AzureBlobObjectStore implements ObjectStore {
  private static final Duration TIMEOUT = Duration.ofSeconds(60);
  private static final BlobHttpHeaders JSON =
      new BlobHttpHeaders().setContentType("application/json");

  private final BlobContainerClient container;
  private final String location;

  /**
   * @param location {@code azblob://account/container}, for messages
   */
  AzureBlobObjectStore(BlobContainerClient container, String location) {
    this.container = container;
    this.location = location;
  }

  @Override
  public Optional<StoredObject> get(String key) {
    BlobClient blob = container.getBlobClient(key);
    return call(
        "Get Blob",
        key,
        () -> {
          for (int attempt = 0; attempt < 3; attempt++) {
            BlobProperties p;
            try {
              p = blob.getPropertiesWithResponse(null, TIMEOUT, Context.NONE).getValue();
            } catch (BlobStorageException e) {
              if (e.getStatusCode() == 404) {
                return Optional.empty();
              }
              throw e;
            }
            if (p.getBlobSize() > MAX_OBJECT_BYTES) {
              throw new UnideployException(
                  url(key)
                      + " is "
                      + p.getBlobSize()
                      + " bytes, far more than any state object: it is not one unideploy wrote;"
                      + " move it out of the state prefix");
            }
            try {
              BlobDownloadContentResponse r =
                  blob.downloadContentWithResponse(
                      null,
                      new BlobRequestConditions().setIfMatch(p.getETag()),
                      TIMEOUT,
                      Context.NONE);
              return Optional.of(
                  new StoredObject(
                      r.getValue().toBytes(),
                      r.getDeserializedHeaders().getETag(),
                      r.getDeserializedHeaders().getLastModified().toInstant(),
                      serverNow(r)));
            } catch (BlobStorageException e) {
              // Changed or deleted between the two calls: look again.
              if (e.getStatusCode() != 412 && e.getStatusCode() != 404) {
                throw e;
              }
            }
          }
          throw new UnideployException(
              url(key) + " kept changing while it was read: another writer is rewriting it");
        });
  }

  @Override
  public Optional<String> createIfAbsent(String key, byte[] data) {
    return upload(key, data, new BlobRequestConditions().setIfNoneMatch("*"));
  }

  @Override
  public Optional<String> replaceIfMatch(String key, byte[] data, String version) {
    return upload(key, data, new BlobRequestConditions().setIfMatch(version));
  }

  private Optional<String> upload(String key, byte[] data, BlobRequestConditions conditions) {
    return call(
        "Put Blob",
        key,
        () -> {
          try {
            return Optional.of(
                container
                    .getBlobClient(key)
                    .getBlockBlobClient()
                    .uploadWithResponse(
                        new BlockBlobSimpleUploadOptions(BinaryData.fromBytes(data))
                            .setHeaders(JSON)
                            .setRequestConditions(conditions),
                        TIMEOUT,
                        Context.NONE)
                    .getValue()
                    .getETag());
          } catch (BlobStorageException e) {
            // 409 BlobAlreadyExists for If-None-Match: *, 412 for a changed ETag, 404 for a
            // blob deleted since it was read.
            if (e.getStatusCode() == 409 || e.getStatusCode() == 412 || e.getStatusCode() == 404) {
              return Optional.empty();
            }
            throw e;
          }
        });
  }

  @Override
  public boolean deleteIfMatch(String key, String version) {
    return call(
        "Delete Blob",
        key,
        () -> {
          try {
            container
                .getBlobClient(key)
                .deleteWithResponse(
                    null, new BlobRequestConditions().setIfMatch(version), TIMEOUT, Context.NONE);
            return true;
          } catch (BlobStorageException e) {
            if (e.getStatusCode() == 412 || e.getStatusCode() == 404) {
              return false;
            }
            throw e;
          }
        });
  }

  @Override
  public List<String> list(String prefix) {
    return call(
        "List Blobs",
        prefix,
        () -> {
          List<String> keys = new ArrayList<>();
          for (BlobItem b :
              container.listBlobs(new ListBlobsOptions().setPrefix(prefix), TIMEOUT)) {
            keys.add(b.getName());
          }
          keys.sort(null);
          return keys;
        });
  }

  @Override
  public String url(String key) {
    return location + "/" + key;
  }

  private static Instant serverNow(Response<?> r) {
    String date = r.getHeaders().getValue(HttpHeaderName.DATE);
    if (date == null) {
      return Instant.now();
    }
    try {
      return new DateTimeRfc1123(date).getDateTime().toInstant();
    } catch (RuntimeException e) {
      return Instant.now();
    }
  }

  private <T> T call(String api, String key, Supplier<T> body) {
    try {
      return body.get();
    } catch (BlobStorageException e) {
      throw new UnideployException(
          api
              + " on "
              + url(key)
              + " failed: HTTP "
              + e.getStatusCode()
              + " "
              + e.getErrorCode()
              + hint(e.getStatusCode()),
          e);
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
}
