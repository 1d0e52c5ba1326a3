package dev.unideploy.image.gce;

import dev.unideploy.image.ImageFormatException;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

/**
 * Extracts {@code disk.raw} from a GCE image tarball (gzip'd tar), as GCE's importer does, so the
 * tarball itself is what gets boot-verified. Zero blocks are left as holes: the disk is padded to
 * whole GiB and would otherwise cost a GiB of writes.
 */
public final class GceTarballExtractor {
  private static final int CHUNK = 1 << 20;

  private GceTarballExtractor() {}

  public static Path extractDiskRaw(Path tarball, Path out) throws IOException {
    try (InputStream in =
            new GzipCompressorInputStream(
                new BufferedInputStream(Files.newInputStream(tarball), 1 << 16));
        TarArchiveInputStream tar = new TarArchiveInputStream(in)) {
      TarArchiveEntry e;
      while ((e = tar.getNextEntry()) != null) {
        if (!e.getName().equals("disk.raw")) {
          continue;
        }
        writeSparse(tar, e.getRealSize(), out);
        return out;
      }
    }
    throw new ImageFormatException(
        tarball
            + " has no disk.raw entry: GCE requires exactly that name; re-create it with"
            + " unideploy convert --to gce-tar");
  }

  private static void writeSparse(InputStream in, long size, Path out) throws IOException {
    byte[] buf = new byte[CHUNK];
    try (RandomAccessFile f = new RandomAccessFile(out.toFile(), "rw")) {
      f.setLength(0);
      long pos = 0;
      while (pos < size) {
        int want = (int) Math.min(CHUNK, size - pos);
        int n = in.readNBytes(buf, 0, want);
        if (n < want) {
          throw new ImageFormatException(
              "disk.raw in the tarball ends at byte "
                  + (pos + n)
                  + " of "
                  + size
                  + ": the archive is truncated");
        }
        if (!allZero(buf, n)) {
          f.seek(pos);
          f.write(buf, 0, n);
        }
        pos += n;
      }
      f.setLength(size);
    }
  }

  private static boolean allZero(byte[] b, int n) {
    for (int i = 0; i < n; i++) {
      if (b[i] != 0) {
        return false;
      }
    }
    return true;
  }
}
