package dev.unideploy.pipeline.state;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.unideploy.pipeline.UnideployException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The local deploy lock of an app: an OS file lock, released by the kernel when the holder dies, so
 * a crash never leaves a stale lock behind. The file holds the owner, so that a refused run can say
 * who holds it.
 */
public final class DeploymentLock implements AppLock {
  private static final ObjectMapper JSON = new ObjectMapper().registerModule(new JavaTimeModule());

  private final FileChannel channel;
  private final FileLock lock;
  private final LockOwner owner;

  private DeploymentLock(FileChannel channel, FileLock lock, LockOwner owner) {
    this.channel = channel;
    this.lock = lock;
    this.owner = owner;
  }

  /**
   * Takes the lock of {@code app} under {@code stateDir}. {@code force} cannot break an OS lock:
   * while the holder lives, the refusal says so; once it is dead, the kernel has released it.
   */
  public static DeploymentLock acquire(Path stateDir, String app, LockOwner me, boolean force) {
    Path file = stateDir.resolve("locks").resolve(app + ".lock");
    try {
      StateFiles.createPrivateDirectories(file.getParent());
      FileChannel ch =
          FileChannel.open(
              file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.READ);
      FileLock l;
      try {
        l = ch.tryLock();
      } catch (OverlappingFileLockException e) {
        l = null;
      }
      if (l == null) {
        String holder = holder(file);
        ch.close();
        throw new UnideployException(
            "another unideploy run for app '"
                + app
                + "' is in progress ("
                + holder
                + "; lock "
                + file
                + "): wait for it to finish, then re-run: it resumes where that run stopped"
                + (force
                    ? ". --force-unlock cannot take a local lock from a live process: stop it"
                    : ""));
      }
      ch.truncate(0);
      ch.write(ByteBuffer.wrap(JSON.writeValueAsBytes(me)));
      ch.force(true);
      return new DeploymentLock(ch, l, me);
    } catch (IOException e) {
      throw new UnideployException(
          "could not take the lock " + file + ": " + e.getMessage() + "; check permissions", e);
    }
  }

  /**
   * Who holds the lock of {@code app} now: empty when nobody does. Probes with a shared lock on a
   * read-only descriptor, which a holder's exclusive lock refuses, and releases it at once.
   */
  public static java.util.Optional<LockOwner> holder(Path stateDir, String app) {
    Path file = stateDir.resolve("locks").resolve(app + ".lock");
    if (!Files.isRegularFile(file)) {
      return java.util.Optional.empty();
    }
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      FileLock probe;
      try {
        probe = ch.tryLock(0, Long.MAX_VALUE, true);
      } catch (OverlappingFileLockException e) {
        probe = null; // This JVM holds it.
      }
      if (probe != null) {
        probe.release();
        return java.util.Optional.empty();
      }
      return java.util.Optional.of(JSON.readValue(Files.readAllBytes(file), LockOwner.class));
    } catch (IOException | RuntimeException e) {
      return java.util.Optional.empty();
    }
  }

  private static String holder(Path file) {
    try {
      return "held by " + JSON.readValue(Files.readAllBytes(file), LockOwner.class).describe();
    } catch (IOException | RuntimeException e) {
      return "held by another process";
    }
  }

  @Override
  public LockOwner owner() {
    return owner;
  }

  @Override
  public boolean held() {
    return lock.isValid();
  }

  @Override
  public void close() {
    try {
      lock.release();
      channel.close();
    } catch (IOException e) {
      // The kernel drops the lock with the descriptor or the process: nothing is left held.
    }
  }
}
