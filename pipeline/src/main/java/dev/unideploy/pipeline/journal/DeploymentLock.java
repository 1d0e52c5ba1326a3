package dev.unideploy.pipeline.journal;

import dev.unideploy.pipeline.UnideployException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Refuses a second concurrent deploy or publish of one app from this machine: an OS file lock,
 * released when the process dies, so a crash never leaves a stale lock behind.
 */
public final class DeploymentLock implements AutoCloseable {
  private final FileChannel channel;
  private final FileLock lock;

  private DeploymentLock(FileChannel channel, FileLock lock) {
    this.channel = channel;
    this.lock = lock;
  }

  public static DeploymentLock acquire(Path stateDir, String app) {
    Path file = stateDir.resolve("locks").resolve(app + ".lock");
    try {
      Files.createDirectories(file.getParent());
      FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      FileLock l;
      try {
        l = ch.tryLock();
      } catch (OverlappingFileLockException e) {
        l = null;
      }
      if (l == null) {
        ch.close();
        throw new UnideployException(
            "another unideploy run for app '"
                + app
                + "' is in progress (lock "
                + file
                + "); wait for it to finish, then re-run: it resumes where that run stopped");
      }
      ch.truncate(0);
      ch.write(
          java.nio.ByteBuffer.wrap(
              (ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.UTF_8)));
      return new DeploymentLock(ch, l);
    } catch (IOException e) {
      throw new UnideployException(
          "could not take the lock " + file + ": " + e.getMessage() + "; check permissions", e);
    }
  }

  @Override
  public void close() throws IOException {
    try {
      lock.release();
    } finally {
      channel.close();
    }
  }
}
