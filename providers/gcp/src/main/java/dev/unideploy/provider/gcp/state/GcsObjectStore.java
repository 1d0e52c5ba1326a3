package dev.unideploy.provider.gcp.state;

import com.google.api.gax.paging.Page;
import com.google.cloud.storage.Blob;
import com.google.cloud.storage.BlobId;
import com.google.cloud.storage.BlobInfo;
import com.google.cloud.storage.Storage;
import com.google.cloud.storage.StorageException;
import dev.unideploy.pipeline.UnideployException;
import dev.unideploy.pipeline.state.remote.ObjectStore;
import dev.unideploy.pipeline.state.remote.StoredObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Remote state objects in a Cloud Storage bucket, written with generation preconditions: {@code
 * ifGenerationMatch=0} creates only a new name, {@code ifGenerationMatch=<generation>} replaces or
 * deletes only the generation last read; both answer 412 otherwise
 * (https://cloud.google.com/storage/docs/request-preconditions). The client retries transient
 * failures of these calls itself, as they are idempotent under their preconditions.
 */
final class GcsObjectStore implements ObjectStore {
  private static final String JSON = "application/json";

  private final Storage storage;
  private final String bucket;
  private final ServerClock clock;

  GcsObjectStore(Storage storage, String bucket, ServerClock clock) {
    this.storage = storage;
    this.bucket = bucket;
    this.clock = clock;
  }

  @Override
  public Optional<StoredObject> get(String key) {
    return call(
        "objects.get",
        key,
        () -> {
          // Metadata, then the bytes of that generation: if it changed in between, read again.
          for (int attempt = 0; attempt < 3; attempt++) {
            Blob blob = storage.get(BlobId.of(bucket, key));
            if (blob == null) {
              return Optional.empty();
            }
            if (blob.getSize() != null && blob.getSize() > MAX_OBJECT_BYTES) {
              throw new UnideployException(
                  url(key)
                      + " is "
                      + blob.getSize()
                      + " bytes, far more than any state object: it is not one unideploy wrote;"
                      + " move it out of the state prefix");
            }
            try {
              byte[] data =
                  storage.readAllBytes(
                      BlobId.of(bucket, key),
                      Storage.BlobSourceOption.generationMatch(blob.getGeneration()));
              return Optional.of(
                  new StoredObject(
                      data,
                      Long.toString(blob.getGeneration()),
                      blob.getUpdateTimeOffsetDateTime().toInstant(),
                      clock.now()));
            } catch (StorageException e) {
              if (e.getCode() != 412 && e.getCode() != 404) {
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
    return call(
        "objects.insert",
        key,
        () -> {
          try {
            Blob b =
                storage.create(
                    BlobInfo.newBuilder(bucket, key).setContentType(JSON).build(),
                    data,
                    Storage.BlobTargetOption.doesNotExist());
            return Optional.of(Long.toString(b.getGeneration()));
          } catch (StorageException e) {
            if (e.getCode() == 412) {
              return Optional.empty();
            }
            throw e;
          }
        });
  }

  @Override
  public Optional<String> replaceIfMatch(String key, byte[] data, String version) {
    return call(
        "objects.insert",
        key,
        () -> {
          try {
            Blob b =
                storage.create(
                    BlobInfo.newBuilder(bucket, key).setContentType(JSON).build(),
                    data,
                    Storage.BlobTargetOption.generationMatch(Long.parseLong(version)));
            return Optional.of(Long.toString(b.getGeneration()));
          } catch (StorageException e) {
            if (e.getCode() == 412 || e.getCode() == 404) {
              return Optional.empty();
            }
            throw e;
          }
        });
  }

  @Override
  public boolean deleteIfMatch(String key, String version) {
    return call(
        "objects.delete",
        key,
        () -> {
          try {
            return storage.delete(
                BlobId.of(bucket, key),
                Storage.BlobSourceOption.generationMatch(Long.parseLong(version)));
          } catch (StorageException e) {
            if (e.getCode() == 412 || e.getCode() == 404) {
              return false;
            }
            throw e;
          }
        });
  }

  @Override
  public List<String> list(String prefix) {
    return call(
        "objects.list",
        prefix,
        () -> {
          List<String> keys = new ArrayList<>();
          Page<Blob> page = storage.list(bucket, Storage.BlobListOption.prefix(prefix));
          for (Blob b : page.iterateAll()) {
            keys.add(b.getName());
          }
          keys.sort(null);
          return keys;
        });
  }

  @Override
  public String url(String key) {
    return "gs://" + bucket + "/" + key;
  }

  @Override
  public void close() {
    try {
      storage.close();
    } catch (Exception e) {
      // Closing HTTP pools: nothing a caller could act on.
    }
  }

  private <T> T call(String api, String key, Supplier<T> body) {
    try {
      return body.get();
    } catch (StorageException e) {
      throw new UnideployException(
          api + " on " + url(key) + " failed: HTTP " + e.getCode() + " " + e.getMessage() + hint(e),
          e);
    }
  }

  private static String hint(StorageException e) {
    return switch (e.getCode()) {
      case 401, 403 ->
          "; the state needs storage.objects.get, create, delete and list on the bucket"
              + " (roles/storage.objectUser), see docs/state.md";
      case 404 -> "; create the bucket first, or fix its name in state:";
      default -> "; check the network and re-run";
    };
  }
}
