package dev.unideploy.image.read;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A small least-recently-used cache of second-level tables (qcow2 L2, VMDK grain tables) keyed by
 * their file offset, bounded by a byte budget so a reader's memory does not grow with the image.
 * Safe for concurrent readers; two threads may load the same table at once, which is harmless.
 *
 * @param <T> the decoded table
 */
public final class TableCache<T> {

  /** Loads the table at a file offset. */
  public interface Loader<T> {
    T load(long offset) throws IOException;
  }

  private final int maxEntries;
  private final Loader<T> loader;
  private final Map<Long, T> tables;

  /**
   * @param tableBytes the size of one table in memory
   * @param budgetBytes the memory the cache may use (at least one table is always kept)
   */
  public TableCache(long tableBytes, long budgetBytes, Loader<T> loader) {
    this.maxEntries = (int) Math.max(1, Math.min(4096, budgetBytes / Math.max(1, tableBytes)));
    this.loader = loader;
    this.tables = new LinkedHashMap<>(16, 0.75f, true);
  }

  public T get(long offset) throws IOException {
    synchronized (tables) {
      T cached = tables.get(offset);
      if (cached != null) {
        return cached;
      }
    }
    T loaded = loader.load(offset);
    synchronized (tables) {
      tables.put(offset, loaded);
      if (tables.size() > maxEntries) {
        Long eldest = tables.keySet().iterator().next();
        tables.remove(eldest);
      }
    }
    return loaded;
  }
}
