package dev.unideploy.provider.local;

import dev.unideploy.pipeline.UnideployException;
import dev.unideploy.pipeline.state.StateFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * Serialises read-modify-write of a folder's JSON records between threads and between unideploy
 * processes (a {@code deploy} and an {@code instances stop} may run at once). An OS file lock is
 * released when a process dies, so a crash never leaves the folder locked.
 */
final class FileMutex {
  // FileChannel.lock is per process: a second lock from this JVM would throw, so threads queue
  // on a JVM-wide lock per file first.
  private static final Map<Path, ReentrantLock> LOCAL = new ConcurrentHashMap<>();
  private static final ThreadLocal<Map<Path, Integer>> DEPTH =
      ThreadLocal.withInitial(java.util.HashMap::new);

  private final Path file;

  FileMutex(Path file) {
    this.file = file.toAbsolutePath().normalize();
  }

  <T> T locked(Supplier<T> body) {
    ReentrantLock local = LOCAL.computeIfAbsent(file, f -> new ReentrantLock());
    local.lock();
    Map<Path, Integer> depth = DEPTH.get();
    try {
      if (depth.getOrDefault(file, 0) > 0) {
        // Re-entered by the same thread: the OS lock is already held.
        depth.merge(file, 1, Integer::sum);
        try {
          return body.get();
        } finally {
          depth.merge(file, -1, Integer::sum);
        }
      }
      StateFiles.createPrivateDirectories(file.getParent());
      try (FileChannel ch =
              FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
          FileLock ignored = ch.lock()) {
        depth.put(file, 1);
        try {
          return body.get();
        } finally {
          depth.remove(file);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(
          new IOException("could not lock " + file + ": " + e.getMessage(), e));
    } finally {
      local.unlock();
    }
  }

  void locked(Runnable body) {
    locked(
        () -> {
          body.run();
          return null;
        });
  }

  static UnideployException ioFailure(String what, Path path, IOException e) {
    return new UnideployException(
        "could not "
            + what
            + " "
            + path
            + ": "
            + e.getMessage()
            + "; check the folder's permissions",
        e);
  }
}
