package dev.unideploy.pipeline.state.remote;

import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An object store in memory that keeps the promises the real ones make: every conditional write is
 * atomic, every write gets a new version, and times come from the store's own clock, truncated to
 * seconds as S3 and Azure report them. Faults can be armed: a write that happens but whose answer
 * is lost (the caller then sees what a retried conditional write sees: a conflict).
 */
final class MemoryObjectStore implements ObjectStore {
  record Obj(byte[] data, String version, Instant modified) {}

  private final TreeMap<String, Obj> objects = new TreeMap<>();
  private final AtomicLong versions = new AtomicLong();
  private final Clock clock;
  final AtomicInteger gets = new AtomicInteger();
  final AtomicInteger writes = new AtomicInteger();
  private int loseNextAnswers;
  private int failNextWrites;

  MemoryObjectStore(Clock clock) {
    this.clock = clock;
  }

  /** The next {@code n} conditional writes happen, but report a conflict as a retry would. */
  synchronized void loseNextAnswers(int n) {
    loseNextAnswers = n;
  }

  /** The next {@code n} conditional writes fail with an exception and do not happen. */
  synchronized void failNextWrites(int n) {
    failNextWrites = n;
  }

  synchronized void putRaw(String key, byte[] data) {
    objects.put(key, new Obj(data.clone(), "v" + versions.incrementAndGet(), now()));
  }

  synchronized Map<String, Obj> snapshot() {
    return Map.copyOf(objects);
  }

  private Instant now() {
    return clock.instant().truncatedTo(ChronoUnit.SECONDS);
  }

  @Override
  public synchronized Optional<StoredObject> get(String key) {
    gets.incrementAndGet();
    Obj o = objects.get(key);
    return o == null
        ? Optional.empty()
        : Optional.of(new StoredObject(o.data().clone(), o.version(), o.modified(), now()));
  }

  @Override
  public synchronized Optional<String> createIfAbsent(String key, byte[] data) {
    fault();
    if (objects.containsKey(key)) {
      return Optional.empty();
    }
    return write(key, data);
  }

  @Override
  public synchronized Optional<String> replaceIfMatch(String key, byte[] data, String version) {
    fault();
    Obj o = objects.get(key);
    if (o == null || !o.version().equals(version)) {
      return Optional.empty();
    }
    return write(key, data);
  }

  @Override
  public synchronized boolean deleteIfMatch(String key, String version) {
    Obj o = objects.get(key);
    if (o == null || !o.version().equals(version)) {
      return false;
    }
    objects.remove(key);
    return true;
  }

  @Override
  public synchronized List<String> list(String prefix) {
    List<String> keys = new ArrayList<>();
    for (String k : objects.tailMap(prefix, true).keySet()) {
      if (!k.startsWith(prefix)) {
        break;
      }
      keys.add(k);
    }
    return keys;
  }

  @Override
  public String url(String key) {
    return "mem://bucket/" + key;
  }

  private void fault() {
    if (failNextWrites > 0) {
      failNextWrites--;
      throw new IllegalStateException("connection reset (injected)");
    }
  }

  private Optional<String> write(String key, byte[] data) {
    writes.incrementAndGet();
    String v = "v" + versions.incrementAndGet();
    objects.put(key, new Obj(data.clone(), v, now()));
    if (loseNextAnswers > 0) {
      loseNextAnswers--;
      return Optional.empty();
    }
    return Optional.of(v);
  }
}
