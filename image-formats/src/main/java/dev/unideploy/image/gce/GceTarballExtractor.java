package dev.unideploy.image.gce;

import dev.unideploy.image.ImageFormatException;
import dev.unideploy.image.write.Zeros;
import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

/**
 * Extracts {@code disk.raw} from a Compute Engine image tarball (gzip'd tar, regular or GNU sparse
 * entry) into a sparse file, as Compute Engine's import reads it, trusting nothing the archive
 * declares: the entry's type, size and sparse map are checked ({@link DiskRawLayout}), the data
 * actually present must match what was declared, the gzip trailer's CRC must match, and the output
 * appears under its name only once complete (a temporary name in the same folder, then a rename).
 * Zero blocks and sparse holes stay holes.
 */
public final class GceTarballExtractor {
  static final String NAME = "disk.raw";
  private static final int CHUNK = 1 << 20;

  /**
   * Bounds on what a tarball may make the extractor do.
   *
   * @param maxDiskBytes the largest disk.raw accepted (its real size: holes included)
   * @param maxMetadataBytes the most tar bytes read before disk.raw's data (headers, sparse maps,
   *     other entries) and after it (end-of-archive blocks and padding)
   */
  public record Limits(long maxDiskBytes, long maxMetadataBytes) {
    /** 64 TiB (Compute Engine's largest disk) and 16 MiB of metadata (~700,000 sparse regions). */
    public static Limits defaults() {
      return new Limits(64L << 40, 16L << 20);
    }
  }

  /** Progress in bytes of the disk (holes count as done when passed). */
  @FunctionalInterface
  public interface Progress {
    /** Called from the extracting thread, with {@code bytesDone} never decreasing. */
    void extracted(long bytesDone, long bytesTotal);

    Progress NONE = (done, total) -> {};
  }

  private GceTarballExtractor() {}

  /** {@link #extractDiskRaw(Path, Path, Limits, Progress)} with default limits, no progress. */
  public static Path extractDiskRaw(Path tarball, Path out) throws IOException {
    return extractDiskRaw(tarball, out, Limits.defaults(), Progress.NONE);
  }

  /**
   * Writes the tarball's {@code disk.raw} to {@code out} (replacing it), sparse.
   *
   * @return {@code out}
   * @throws ImageFormatException when the tarball is corrupt, truncated, hostile or exceeds a limit
   * @throws InterruptedIOException when the thread is interrupted; nothing is left behind
   */
  public static Path extractDiskRaw(Path tarball, Path out, Limits limits, Progress progress)
      throws IOException {
    Path dir = out.toAbsolutePath().getParent();
    Path partial = Files.createTempFile(dir, "." + out.getFileName() + ".", ".partial");
    boolean done = false;
    try {
      extractTo(tarball, partial, limits, progress);
      Files.move(partial, out, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      done = true;
      return out;
    } finally {
      if (!done) {
        Files.deleteIfExists(partial);
      }
    }
  }

  private static void extractTo(Path tarball, Path partial, Limits limits, Progress progress)
      throws IOException {
    long compressed = Files.size(tarball);
    ByteBudget tarBytes = null;
    try (InputStream file = new BufferedInputStream(Files.newInputStream(tarball), 1 << 16);
        // Concatenated members are read on, as gunzip and Go's compress/gzip (the importer's) do.
        GzipCompressorInputStream gunzip =
            GzipCompressorInputStream.builder()
                .setInputStream(file)
                .setDecompressConcatenated(true)
                .get()) {
      tarBytes = new ByteBudget(gunzip, limits.maxMetadataBytes());
      TarArchiveInputStream tar = new TarArchiveInputStream(tarBytes);
      TarArchiveEntry entry;
      while ((entry = tar.getNextEntry()) != null && !entry.getName().equals(NAME)) {
        // other entries are skipped, within the metadata budget
      }
      if (entry == null) {
        throw ImageFormatException.at(
            tarball,
            "tar stream",
            tarBytes.position(),
            "the archive has no disk.raw entry: Compute Engine requires exactly that name; "
                + DiskRawLayout.RECREATE);
      }
      long dataAt = tarBytes.position();
      DiskRawLayout layout = DiskRawLayout.of(tarball, entry, dataAt, compressed, limits);
      // The data (rounded up to tar blocks), then the end-of-archive blocks and record padding.
      tarBytes.setBudget(dataAt + roundUp(layout.stored(), 512) + limits.maxMetadataBytes());
      copy(tarball, tar, layout, dataAt, partial, progress);
      drain(tar, tarBytes);
    } catch (ByteBudget.Exceeded e) {
      throw ImageFormatException.at(
          tarball,
          "tar stream",
          tarBytes == null ? 0 : tarBytes.position(),
          "more than "
              + limits.maxMetadataBytes()
              + " bytes of tar headers, sparse maps or other entries around disk.raw; a Compute"
              + " Engine tarball holds disk.raw only: "
              + DiskRawLayout.RECREATE);
    } catch (ImageFormatException | InterruptedIOException e) {
      throw e;
    } catch (IOException e) {
      // Commons Compress and the gzip decoder say "truncated", "corrupt", "bad checksum"...
      throw ImageFormatException.at(
          tarball,
          "tar stream",
          tarBytes == null ? 0 : tarBytes.position(),
          "cannot read the gzip'd tar ("
              + e.getMessage()
              + "); the file is truncated or corrupt: copy it again or "
              + DiskRawLayout.RECREATE,
          e);
    }
  }

  private static void copy(
      Path tarball,
      TarArchiveInputStream tar,
      DiskRawLayout layout,
      long dataAt,
      Path partial,
      Progress progress)
      throws IOException {
    long size = layout.size();
    long[] regions = layout.regions();
    byte[] buf = new byte[CHUNK];
    long storedDone = 0;
    try (RandomAccessFile raf = new RandomAccessFile(partial.toFile(), "rw")) {
      FileChannel out = raf.getChannel();
      long pos = 0;
      for (int i = 0; i < regions.length; i += 2) {
        long start = regions[i];
        long end = start + regions[i + 1];
        if (start > pos && tar.skip(start - pos) != start - pos) {
          throw truncated(tarball, dataAt + storedDone, pos, size);
        }
        pos = start;
        while (pos < end) {
          if (Thread.interrupted()) {
            throw new InterruptedIOException("extracting disk.raw from " + tarball);
          }
          int want = (int) Math.min(CHUNK, end - pos);
          int n = tar.readNBytes(buf, 0, want);
          if (n < want) {
            throw truncated(tarball, dataAt + storedDone + n, pos + n, size);
          }
          if (!Zeros.isZero(buf, 0, n)) {
            ByteBuffer b = ByteBuffer.wrap(buf, 0, n);
            long at = pos;
            while (b.hasRemaining()) {
              at += out.write(b, at);
            }
          }
          pos += n;
          storedDone += n;
          progress.extracted(pos, size);
        }
      }
      try {
        raf.setLength(size); // the tail after the last region is a hole
      } catch (IOException e) {
        throw new IOException(
            "cannot make "
                + partial
                + " "
                + size
                + " bytes long ("
                + e.getMessage()
                + "): the file system may not allow files that large; extract it elsewhere",
            e);
      }
      progress.extracted(size, size);
    } catch (EOFException e) {
      throw truncated(tarball, dataAt + storedDone, -1, size);
    }
  }

  /**
   * Reads what follows disk.raw to the end of the gzip stream, so that a cut-off archive or a wrong
   * CRC-32 fails instead of passing for a complete disk (gzip checks it at the end only).
   */
  private static void drain(TarArchiveInputStream tar, ByteBudget tarBytes) throws IOException {
    while (tar.getNextEntry() != null) {
      // further entries are read (and checked by gzip) within the budget, then ignored
    }
    byte[] rest = new byte[8192];
    while (tarBytes.read(rest, 0, rest.length) >= 0) {
      // end-of-archive blocks and record padding
    }
  }

  private static ImageFormatException truncated(Path tarball, long at, long diskAt, long size) {
    return ImageFormatException.at(
        tarball,
        "tar entry disk.raw",
        at,
        "the archive ends"
            + (diskAt >= 0 ? " at byte " + diskAt + " of the disk's " + size : " early")
            + ": the tarball is truncated; copy it again (a short disk is never passed off as"
            + " complete)");
  }

  private static long roundUp(long v, long to) {
    return (v + to - 1) / to * to;
  }
}
