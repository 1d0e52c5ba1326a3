package dev.unideploy.provider.gcp.upload;

import com.google.cloud.storage.Blob;
import com.google.cloud.storage.BlobId;
import com.google.cloud.storage.Storage;
import dev.unideploy.provider.gcp.api.GcpCall;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/** {@link ObjectStore} on the Cloud Storage client, each call through the run's call policy. */
public final class StorageObjects implements ObjectStore {
  private final Supplier<Storage> storage;
  private final GcpCall calls;

  /**
   * @param storage made on first use: a publish that reuses its image never needs it
   */
  public StorageObjects(Supplier<Storage> storage, GcpCall calls) {
    this.storage = storage;
    this.calls = calls;
  }

  @Override
  public Optional<StoredObject> get(String bucket, String object) {
    Blob blob =
        calls.call("storage.objects.get", () -> storage.get().get(BlobId.of(bucket, object)));
    if (blob == null) {
      return Optional.empty();
    }
    return Optional.of(
        new StoredObject(
            blob.getSize() == null ? -1 : blob.getSize(),
            blob.getCrc32c(),
            blob.getMetadata() == null ? Map.of() : blob.getMetadata()));
  }

  @Override
  public boolean delete(String bucket, String object) {
    return calls.call(
        "storage.objects.delete", () -> storage.get().delete(BlobId.of(bucket, object)));
  }
}
