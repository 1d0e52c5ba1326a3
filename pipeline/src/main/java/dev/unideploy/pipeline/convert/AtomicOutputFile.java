package dev.unideploy.pipeline.convert;

import dev.unideploy.pipeline.UnideployException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * An output written under a temporary name in the target's folder ({@code OUT.partial-<pid>}) and
 * renamed over the target only when complete, so OUT is never seen half-written. The temporary file
 * is deleted on failure and, through a shutdown hook, on Ctrl-C.
 *
 * <p>The file is not fsync'd before the rename, as {@code cp}, {@code tar} and {@code qemu-img} do
 * not: the rename protects against interruption, not against power loss, and an fsync of a
 * multi-GiB image would add seconds to every conversion.
 */
public final class AtomicOutputFile implements AutoCloseable {
  private final Path target;
  private final Path temp;
  private final Thread cleanup;
  private boolean committed;

  private AtomicOutputFile(Path target, Path temp) {
    this.target = target;
    this.temp = temp;
    this.cleanup = new Thread(this::deleteTemp, "unideploy-partial-cleanup");
  }

  /** Refuses an existing target unless {@code force}; creates the temporary file. */
  public static AtomicOutputFile create(Path target, boolean force) {
    Path abs = target.toAbsolutePath();
    if (Files.isDirectory(abs)) {
      throw new UnideployException(target + " is a folder; name the output file");
    }
    if (Files.exists(abs) && !Files.isRegularFile(abs, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      // The rename at the end would replace it: a device such as /dev/null, a folder or a link.
      throw new UnideployException(
          target
              + " exists and is not a regular file; name a new file or an existing one to replace");
    }
    if (Files.exists(abs) && !force) {
      throw new UnideployException(target + " already exists; pass --force to overwrite it");
    }
    Path temp = abs.resolveSibling(abs.getFileName() + ".partial-" + ProcessHandle.current().pid());
    AtomicOutputFile out = new AtomicOutputFile(abs, temp);
    try {
      Files.deleteIfExists(temp);
      Files.createFile(temp);
    } catch (NoSuchFileException | NotDirectoryException e) {
      throw new UnideployException(
          "cannot write " + target + ": its folder " + abs.getParent() + " does not exist", e);
    } catch (AccessDeniedException e) {
      throw new UnideployException(
          "cannot write " + target + ": permission denied in " + abs.getParent(), e);
    } catch (IOException e) {
      throw new UnideployException(
          "cannot write " + target + ": " + ImageOpener.reason(e) + "; choose another path", e);
    }
    Runtime.getRuntime().addShutdownHook(out.cleanup);
    return out;
  }

  public Path temp() {
    return temp;
  }

  public FileChannel openChannel() throws IOException {
    return FileChannel.open(temp, StandardOpenOption.READ, StandardOpenOption.WRITE);
  }

  /** Moves the finished temporary file over the target. */
  public void commit() throws IOException {
    Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    committed = true;
  }

  /** Deletes the temporary file unless committed. */
  @Override
  public void close() {
    deleteTemp();
    try {
      Runtime.getRuntime().removeShutdownHook(cleanup);
    } catch (IllegalStateException e) {
      // The JVM is already shutting down and the hook is running or ran: nothing to undo.
    }
  }

  private void deleteTemp() {
    if (!committed) {
      try {
        Files.deleteIfExists(temp);
      } catch (IOException e) {
        System.err.println("unideploy: could not delete " + temp + ": " + e.getMessage());
      }
    }
  }
}
