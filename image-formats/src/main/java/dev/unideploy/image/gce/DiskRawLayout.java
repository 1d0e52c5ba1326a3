package dev.unideploy.image.gce;

import dev.unideploy.image.ImageFormatException;
import java.nio.file.Path;
import java.util.Arrays;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveStructSparse;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * The validated shape of a tarball's {@code disk.raw} entry: a regular or GNU sparse file of a
 * bounded size whose data regions are ordered, do not overlap, lie inside the disk and add up to
 * the bytes the entry stores, which a gzip file of this size can actually hold.
 *
 * @param size the disk's size (the sparse file's real size)
 * @param regions (offset, length) pairs of the stored data, ascending
 * @param stored the bytes of data that follow the header in the tar stream
 */
record DiskRawLayout(long size, long[] regions, long stored) {

  /**
   * The most a deflate stream expands: 1032:1 (https://zlib.net/zlib_tech.html, "Maximum
   * Compression Factor"). A gzip file cannot hold more data than this times its size.
   */
  static final long DEFLATE_MAX_RATIO = 1032;

  static final String RECREATE =
      "re-create the tarball with `unideploy convert --to gce-tar` or `tar --format=oldgnu -Sczf"
          + " OUT.tar.gz disk.raw`";

  static DiskRawLayout of(
      Path tarball,
      TarArchiveEntry e,
      long at,
      long compressedBytes,
      GceTarballExtractor.Limits limits)
      throws ImageFormatException {
    if (!e.isCheckSumOK()) {
      // Commons Compress reads on past a wrong header checksum; a damaged size or map must not.
      throw problem(
          tarball,
          at,
          "the tar header's checksum does not match; the archive is corrupt: " + RECREATE);
    }
    checkType(tarball, e, at);
    long size = e.isSparse() ? e.getRealSize() : e.getSize();
    if (size < 0 || e.getSize() < 0) {
      throw problem(tarball, at, "declares a negative size; the archive is corrupt: " + RECREATE);
    }
    if (size > limits.maxDiskBytes()) {
      throw problem(
          tarball,
          at,
          "declares a disk of "
              + size
              + " bytes, above the limit of "
              + limits.maxDiskBytes()
              + " bytes; if the disk is really that large, raise"
              + " GceTarballExtractor.Limits.maxDiskBytes");
    }
    long[] regions = e.isSparse() ? sparseRegions(tarball, e, at, size) : new long[] {0, size};
    long stored = 0;
    for (int i = 1; i < regions.length; i += 2) {
      stored += regions[i];
    }
    // Old-GNU sparse headers store exactly the regions' bytes; PAX 1.0 also stores its map there.
    boolean exact = !e.isPaxGNU1XSparse();
    if (exact ? stored != e.getSize() : stored > e.getSize()) {
      throw problem(
          tarball,
          at,
          "the sparse map holds "
              + stored
              + " bytes of data but the entry stores "
              + e.getSize()
              + "; the archive is corrupt: "
              + RECREATE);
    }
    if (stored / DEFLATE_MAX_RATIO > compressedBytes) {
      throw problem(
          tarball,
          at,
          "declares "
              + stored
              + " bytes of stored data, more than a gzip file of "
              + compressedBytes
              + " bytes can hold (deflate expands at most "
              + DEFLATE_MAX_RATIO
              + " times); the tarball is truncated or its header is wrong: copy it again or "
              + RECREATE);
    }
    return new DiskRawLayout(size, regions, stored);
  }

  // Only the disk's bytes themselves: a link, device or directory named disk.raw would make the
  // extractor read another file or block, or write nothing and call it a disk.
  private static void checkType(Path tarball, TarArchiveEntry e, long at)
      throws ImageFormatException {
    byte flag = e.getLinkFlag();
    boolean regular =
        flag == TarConstants.LF_NORMAL
            || flag == TarConstants.LF_OLDNORM
            || flag == TarConstants.LF_CONTIG
            || flag == TarConstants.LF_GNUTYPE_SPARSE;
    if (!regular || e.isDirectory() || e.isStarSparse()) {
      String kind =
          e.isDirectory()
              ? "a directory"
              : e.isSymbolicLink()
                  ? "a symbolic link"
                  : e.isLink()
                      ? "a hard link"
                      : e.isCharacterDevice() || e.isBlockDevice()
                          ? "a device"
                          : e.isFIFO()
                              ? "a FIFO"
                              : e.isStarSparse()
                                  ? "a star sparse file (not supported)"
                                  : "an entry of type '" + (char) flag + "'";
      throw problem(
          tarball,
          at,
          "disk.raw is "
              + kind
              + ", not a regular file: Compute Engine needs the disk's bytes in the archive; "
              + RECREATE);
    }
  }

  private static long[] sparseRegions(Path tarball, TarArchiveEntry e, long at, long size)
      throws ImageFormatException {
    // A PAX header can mark an entry sparse (GNU.sparse.size) without giving any map; Commons
    // Compress then has no sparse headers at all rather than an empty list.
    if (e.getSparseHeaders() == null) {
      throw problem(
          tarball,
          at,
          "disk.raw is marked sparse but has no sparse map; the archive is corrupt: " + RECREATE);
    }
    long[] r = new long[2 * Math.max(1, e.getSparseHeaders().size())];
    int n = 0;
    long end = 0;
    int index = 0;
    for (TarArchiveStructSparse s : e.getSparseHeaders()) {
      index++;
      long offset = s.getOffset();
      long length = s.getNumbytes();
      if (offset == 0 && length == 0) {
        continue; // an unused slot of an old-GNU header or extension block
      }
      if (offset < 0 || length < 0 || offset > size || length > size - offset) {
        throw problem(
            tarball,
            at,
            "sparse map entry "
                + index
                + " ("
                + offset
                + " + "
                + length
                + ") lies outside the disk of "
                + size
                + " bytes; the archive is corrupt: "
                + RECREATE);
      }
      if (offset < end) {
        throw problem(
            tarball,
            at,
            "sparse map entry "
                + index
                + " starts at "
                + offset
                + ", before the previous one ends ("
                + end
                + "): entries must be in order and must not overlap; the archive is corrupt: "
                + RECREATE);
      }
      end = offset + length;
      if (length > 0) {
        r[n++] = offset;
        r[n++] = length;
      }
    }
    return Arrays.copyOf(r, n);
  }

  static ImageFormatException problem(Path tarball, long at, String what) {
    return ImageFormatException.at(tarball, "tar entry disk.raw", at, what);
  }
}
