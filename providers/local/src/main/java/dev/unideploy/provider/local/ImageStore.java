package dev.unideploy.provider.local;

import dev.unideploy.image.DiskImage;
import dev.unideploy.image.ImageFormat;
import dev.unideploy.image.ReadOptions;
import dev.unideploy.image.TargetFormat;
import dev.unideploy.image.digest.SparseContentHash;
import dev.unideploy.image.formats.ImageReaders;
import dev.unideploy.image.write.WriteOptions;
import dev.unideploy.pipeline.UnideployException;
import dev.unideploy.pipeline.convert.ImageConversion;
import dev.unideploy.pipeline.events.EventSink;
import dev.unideploy.pipeline.state.StateFiles;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * The local image store, content-addressed by the content hash of the virtual disk ({@link
 * SparseContentHash}).
 *
 * <pre>
 * store/blobs/&lt;sha256&gt;.raw          the disk, once per content, as a sparse raw file
 * store/apps/&lt;app&gt;/&lt;sha256&gt;.json   one app's record of it: name, version, tags, time
 * store/.lock                        serialises changes between processes
 * </pre>
 *
 * <p>Raw rather than the original format: QEMU boots it with no format probing, instances share it
 * read-only (each runs on a copy-on-write overlay), and a sparse file costs only its data.
 */
public final class ImageStore {
  private final Path root;
  private final FileMutex mutex;

  public ImageStore(Path root) {
    this.root = root.toAbsolutePath().normalize();
    this.mutex = new FileMutex(this.root.resolve(".lock"));
  }

  public Path root() {
    return root;
  }

  public Path blobPath(String sha256) {
    requireSha(sha256);
    return root.resolve("blobs").resolve(sha256 + ".raw");
  }

  private Path recordPath(String app, String sha256) {
    return root.resolve("apps").resolve(app).resolve(sha256 + ".json");
  }

  /** Whether the disk with this content is stored (with the expected size). */
  public boolean hasBlob(String sha256, long virtualSize) {
    Path blob = blobPath(sha256);
    try {
      return Files.isRegularFile(blob) && Files.size(blob) == virtualSize;
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * Stores {@code image} unless the same content is already there. The data is written to a
   * temporary file, hashed from the very bytes written (one read of the data, no second pass), and
   * renamed into place only if the hash is {@code expectedSha256}: a reader bug or a source file
   * that changed since the publish hashed it never lands in the store.
   *
   * @return bytes written (0 when the content was already stored)
   */
  public long putBlob(DiskImage image, String expectedSha256, EventSink events) {
    requireSha(expectedSha256);
    if (hasBlob(expectedSha256, image.virtualSize())) {
      return 0;
    }
    Path blob = blobPath(expectedSha256);
    Path tmp =
        blob.resolveSibling(blob.getFileName() + "." + ProcessHandle.current().pid() + ".tmp");
    try {
      StateFiles.createPrivateDirectories(blob.getParent());
      SparseContentHash hash = new SparseContentHash(image.virtualSize());
      ImageConversion.write(
          image, TargetFormat.RAW, tmp, WriteOptions.defaults().withDigest(hash), events);
      String stored = hash.hex();
      long dataBytes;
      // The bytes stored, from the copy's holes (no read): what the blob costs on disk.
      try (DiskImage copy =
          ImageReaders.open(
              tmp, ImageFormat.RAW, ReadOptions.defaults().withDetectZeroContent(false))) {
        dataBytes = copy.allocatedBytes();
      }
      if (!stored.equals(expectedSha256)) {
        throw new UnideployException(
            "the image read while storing it hashes to "
                + stored
                + ", not "
                + expectedSha256
                + " as when it was hashed for publishing: the source file changed during the"
                + " publish; re-run once it is stable");
      }
      Files.move(tmp, blob, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      return dataBytes;
    } catch (IOException e) {
      throw FileMutex.ioFailure("write the image to", blob, e);
    } finally {
      try {
        Files.deleteIfExists(tmp);
      } catch (IOException e) {
        // A leftover temp file is harmless: its name never matches a blob.
      }
    }
  }

  /** Adds or replaces an app's record of an image. The blob must already be stored. */
  public StoredImage save(StoredImage image) {
    if (!Files.isRegularFile(blobPath(image.sha256()))) {
      throw new IllegalStateException("blob of " + image.id() + " is not stored yet");
    }
    mutex.locked(() -> JsonFiles.write(recordPath(image.app(), image.sha256()), image));
    return image;
  }

  /** The app's record of this content, if the record and its blob both exist. */
  public Optional<StoredImage> find(String app, String sha256) {
    Path rec = recordPath(app, sha256);
    if (!Files.isRegularFile(rec) || !Files.isRegularFile(blobPath(sha256))) {
      return Optional.empty();
    }
    return Optional.of(JsonFiles.read(rec, StoredImage.class));
  }

  /** Every image, or one app's ({@code app} non-null), by app then oldest first. */
  public List<StoredImage> list(String app) {
    List<StoredImage> out = new ArrayList<>();
    Path apps = root.resolve("apps");
    if (!Files.isDirectory(apps)) {
      return out;
    }
    try (DirectoryStream<Path> dirs = Files.newDirectoryStream(apps)) {
      for (Path dir : dirs) {
        if (!Files.isDirectory(dir) || (app != null && !dir.getFileName().toString().equals(app))) {
          continue;
        }
        try (DirectoryStream<Path> recs = Files.newDirectoryStream(dir, "*.json")) {
          for (Path rec : recs) {
            out.add(JsonFiles.read(rec, StoredImage.class));
          }
        }
      }
    } catch (IOException e) {
      throw FileMutex.ioFailure("list the image store", apps, e);
    }
    out.sort(
        Comparator.comparing(StoredImage::app)
            .thenComparing(StoredImage::createdAt)
            .thenComparing(StoredImage::sha256));
    return out;
  }

  /**
   * Finds images by a reference: a short id or full hash (or a unique prefix of 6+ digits), an
   * image name, {@code app:tag} (for example {@code web:latest}), or an app name (all its images).
   */
  public List<StoredImage> resolve(String ref) {
    List<StoredImage> all = list(null);
    int colon = ref.indexOf(':');
    if (colon > 0) {
      String app = ref.substring(0, colon);
      String tag = ref.substring(colon + 1);
      return all.stream().filter(i -> i.app().equals(app) && i.hasTag(tag)).toList();
    }
    List<StoredImage> byName = all.stream().filter(i -> ref.equals(i.name())).toList();
    if (!byName.isEmpty()) {
      return byName;
    }
    if (ref.matches("[0-9a-f]{6,64}")) {
      List<StoredImage> byHash = all.stream().filter(i -> i.sha256().startsWith(ref)).toList();
      if (!byHash.isEmpty()) {
        return byHash;
      }
    }
    return all.stream().filter(i -> i.app().equals(ref)).toList();
  }

  /**
   * Removes an app's record of an image, and the disk itself when no other record names it.
   *
   * @return the paths deleted
   */
  public List<String> delete(StoredImage image) {
    return mutex.locked(
        () -> {
          List<String> deleted = new ArrayList<>();
          Path rec = recordPath(image.app(), image.sha256());
          try {
            if (Files.deleteIfExists(rec)) {
              deleted.add(rec.toString());
            }
            boolean stillNamed =
                list(null).stream().anyMatch(i -> i.sha256().equals(image.sha256()));
            Path blob = blobPath(image.sha256());
            if (!stillNamed && Files.deleteIfExists(blob)) {
              deleted.add(blob.toString());
            }
            Path dir = rec.getParent();
            if (Files.isDirectory(dir)) {
              try (DirectoryStream<Path> left = Files.newDirectoryStream(dir)) {
                if (!left.iterator().hasNext()) {
                  Files.delete(dir);
                }
              }
            }
          } catch (IOException e) {
            throw FileMutex.ioFailure("delete", rec, e);
          }
          return deleted;
        });
  }

  /** Runs {@code body} holding the store's lock (for read-modify-write of several records). */
  public <T> T locked(java.util.function.Supplier<T> body) {
    return mutex.locked(body);
  }

  private static void requireSha(String sha256) {
    if (sha256 == null || !sha256.matches("[0-9a-f]{64}")) {
      throw new IllegalArgumentException("not a SHA-256 hex digest: " + sha256);
    }
  }
}
