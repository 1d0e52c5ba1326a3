package dev.unideploy.pipeline.state.remote;

import java.util.List;
import java.util.Optional;

/**
 * The few operations of an object store (S3, Cloud Storage, Azure Blob) that remote state is built
 * on: reads, and writes that take effect only if the object is as the caller last saw it. Each
 * provider module implements it with its store's own atomic precondition (S3 {@code If-None-Match}
 * / {@code If-Match}, Cloud Storage {@code ifGenerationMatch}, Azure Blob {@code If-Match} on
 * ETags), so that two writers can never both win.
 *
 * <p>Implementations retry transient failures themselves. A write whose answer was lost may have
 * happened: a retried conditional write then reports a conflict, and the callers here read the
 * object back to see whose write it was.
 */
public interface ObjectStore extends AutoCloseable {

  /** Objects larger than this are not read: a journal object never grows near it. */
  long MAX_OBJECT_BYTES = 64L << 20;

  /**
   * The object at {@code key}, or empty when there is none.
   *
   * @throws dev.unideploy.pipeline.UnideployException when it is larger than {@link
   *     #MAX_OBJECT_BYTES}
   */
  Optional<StoredObject> get(String key);

  /** Creates {@code key} only if no object has that key: its version, or empty if one exists. */
  Optional<String> createIfAbsent(String key, byte[] data);

  /**
   * Replaces {@code key} only while its version is {@code version}: the new version, or empty when
   * the object changed or is gone.
   */
  Optional<String> replaceIfMatch(String key, byte[] data, String version);

  /** Deletes {@code key} only while its version is {@code version}; false when it changed. */
  boolean deleteIfMatch(String key, String version);

  /** The keys that start with {@code prefix}, in ascending (binary) order. */
  List<String> list(String prefix);

  /** Where {@code key} is, for messages ({@code s3://bucket/key}). */
  String url(String key);

  @Override
  default void close() {}
}
