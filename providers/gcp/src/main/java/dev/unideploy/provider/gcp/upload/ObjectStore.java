package dev.unideploy.provider.gcp.upload;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The few object calls the upload needs besides the resumable protocol. */
public interface ObjectStore {

  /** An object's size, CRC32C (base64) and custom metadata. */
  record StoredObject(long size, String crc32c, Map<String, String> metadata) {}

  Optional<StoredObject> get(String bucket, String object);

  /** Deletes the object; true when it existed. */
  boolean delete(String bucket, String object);

  /**
   * Composes {@code sources} (at most 32, in order) into {@code destination}, which gets {@code
   * contentType} and {@code metadata}; returns the composite object.
   */
  StoredObject compose(
      String bucket,
      String destination,
      List<String> sources,
      String contentType,
      Map<String, String> metadata);
}
