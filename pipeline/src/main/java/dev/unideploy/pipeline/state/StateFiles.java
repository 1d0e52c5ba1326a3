package dev.unideploy.pipeline.state;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Creates state folders and files readable by their owner only: journals, locks, serial logs and
 * instance records name hosts, ports and image ids, and a shared machine's umask is often 022.
 */
public final class StateFiles {
  private static final boolean POSIX =
      FileSystems.getDefault().supportedFileAttributeViews().contains("posix");

  private StateFiles() {}

  /** Creates {@code dir} and any missing parents as 0700; existing folders are left as they are. */
  public static Path createPrivateDirectories(Path dir) throws IOException {
    Path abs = dir.toAbsolutePath();
    if (Files.isDirectory(abs)) {
      return abs;
    }
    Path parent = abs.getParent();
    if (parent != null) {
      createPrivateDirectories(parent);
    }
    if (POSIX) {
      try {
        Files.createDirectory(
            abs,
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      } catch (java.nio.file.FileAlreadyExistsException e) {
        // Another process made it first: fine.
      }
    } else {
      Files.createDirectories(abs);
    }
    syncDirectory(parent);
    return abs;
  }

  /** Creates an empty 0600 file if it does not exist, and makes its name durable. */
  public static void createPrivateFile(Path file) throws IOException {
    if (Files.exists(file)) {
      return;
    }
    try {
      if (POSIX) {
        Files.createFile(
            file,
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      } else {
        Files.createFile(file);
      }
    } catch (java.nio.file.FileAlreadyExistsException e) {
      return;
    }
    syncDirectory(file.toAbsolutePath().getParent());
  }

  /**
   * Forces a folder's entries to disk, so a file created in it survives a power loss: fsync on the
   * file alone does not persist its directory entry (see fsync(2), "Notes").
   */
  public static void syncDirectory(Path dir) {
    if (dir == null || !POSIX) {
      return;
    }
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException e) {
      // Some file systems refuse fsync on a directory; the data itself was still forced.
    }
  }
}
