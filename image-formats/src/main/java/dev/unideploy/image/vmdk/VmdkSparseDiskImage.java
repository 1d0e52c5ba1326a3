package dev.unideploy.image.vmdk;

import dev.unideploy.image.Extent;
import dev.unideploy.image.ImageFormat;
import dev.unideploy.image.ImageFormatException;
import dev.unideploy.image.StoredRun;
import dev.unideploy.image.read.FileBackedDiskImage;
import dev.unideploy.image.read.ReaderLimits;
import dev.unideploy.image.read.SourceFile;
import dev.unideploy.image.read.TableCache;
import dev.unideploy.image.read.ZeroFill;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Random reads of a hosted sparse extent: grain directory in memory, grain tables and inflated
 * grains in bounded caches. Compressed grains start with a marker (LBA, size) that is checked.
 */
final class VmdkSparseDiskImage extends FileBackedDiskImage {
  private final ParsedVmdkSparseHeader header;
  private final int[] gd;
  private final TableCache<int[]> gtCache;
  private final TableCache<Grain> grainCache;
  private final int grainBytes;

  // One inflater per reading thread, reset per grain: creating and ending one per grain costs
  // more than inflating a 64 KiB grain of incompressible data.
  private static final ThreadLocal<Inflater> INFLATERS =
      ThreadLocal.withInitial(() -> new Inflater(false));
  private static final ThreadLocal<byte[]> SCRATCH = ThreadLocal.withInitial(() -> new byte[0]);

  VmdkSparseDiskImage(
      SourceFile file,
      ParsedVmdkSparseHeader header,
      long virtualSize,
      int[] gd,
      List<Extent> extents,
      Map<String, Object> details) {
    super(file, ImageFormat.VMDK, virtualSize, extents, Collections.unmodifiableMap(details));
    this.header = header;
    this.gd = gd;
    this.grainBytes = header.grainBytes();
    this.gtCache =
        new TableCache<>(
            header.gtesPerGt() * 4L,
            ReaderLimits.TABLE_CACHE_BYTES,
            at -> VmdkSparseOpener.readGrainTable(file, at, header.gtesPerGt()));
    this.grainCache = new TableCache<>(grainBytes, 8L * 1024 * 1024, this::inflateGrain);
  }

  @Override
  public boolean storedRuns(long offset, long length, List<StoredRun> out) throws IOException {
    if (header.compressed()) {
      return false;
    }
    long pos = offset;
    long end = offset + length;
    while (pos < end) {
      long sector = grainSector(pos / grainBytes);
      if (sector <= 1) {
        return false; // unallocated, or the zero-grain marker: reads as zero
      }
      int inGrain = (int) (pos % grainBytes);
      int n = (int) Math.min(end - pos, grainBytes - inGrain);
      addRun(out, pos, sector * 512 + inGrain, n);
      pos += n;
    }
    return true;
  }

  @Override
  protected void readWithin(long offset, ByteBuffer dst, int total) throws IOException {
    long pos = offset;
    long end = offset + total;
    while (pos < end) {
      long grainIndex = pos / grainBytes;
      int inGrain = (int) (pos % grainBytes);
      int n = (int) Math.min(end - pos, grainBytes - inGrain);
      long sector = grainSector(grainIndex);
      if (sector <= 1) {
        ZeroFill.fill(dst, n);
      } else if (header.compressed()) {
        long expected = grainIndex * header.grainSectors();
        if (inGrain == 0 && n == grainBytes && dst.hasArray()) {
          // A whole grain into a heap buffer: inflate in place, no copy and no cache churn.
          int off = dst.arrayOffset() + dst.position();
          checkLba(sector * 512, inflateInto(sector * 512, dst.array(), off), expected);
          dst.position(dst.position() + n);
        } else if (inGrain == 0 && n == grainBytes) {
          byte[] scratch = SCRATCH.get();
          if (scratch.length != grainBytes) {
            scratch = new byte[grainBytes];
            SCRATCH.set(scratch);
          }
          checkLba(sector * 512, inflateInto(sector * 512, scratch, 0), expected);
          dst.put(scratch, 0, n);
        } else {
          Grain grain = grainCache.get(sector * 512);
          checkLba(sector * 512, grain.lba(), expected);
          dst.put(grain.data(), inGrain, n);
        }
      } else {
        long at = sector * 512 + inGrain;
        // Extend over following grains stored right after this one.
        while (pos + n < end && grainSector((pos + n) / grainBytes) * 512 == at + n) {
          n += (int) Math.min(end - pos - n, grainBytes);
        }
        copyFromFile(at, dst, n);
      }
      pos += n;
    }
  }

  private long grainSector(long grainIndex) throws IOException {
    int gdIndex = (int) (grainIndex / header.gtesPerGt());
    if (gd[gdIndex] == 0) {
      return 0;
    }
    int[] gt = gtCache.get(Integer.toUnsignedLong(gd[gdIndex]) * 512);
    return Integer.toUnsignedLong(gt[(int) (grainIndex % header.gtesPerGt())]);
  }

  /** An inflated grain and the LBA its marker names. */
  private record Grain(long lba, byte[] data) {}

  private Grain inflateGrain(long at) throws IOException {
    byte[] out = new byte[grainBytes];
    return new Grain(inflateInto(at, out, 0), out);
  }

  private void checkLba(long at, long lba, long expected) throws ImageFormatException {
    if (lba != expected) {
      throw ImageFormatException.at(
          file.path(),
          "VMDK grain marker",
          at,
          "holds LBA "
              + lba
              + " but the grain table uses it for LBA "
              + expected
              + "; the image is corrupt: convert it again");
    }
  }

  /**
   * Inflates the grain whose marker is at {@code at} into {@code out[off, off + grainBytes)} and
   * returns the LBA its marker names. Marker and data are read with one positional read when the
   * data is no longer than a grain (the usual case).
   */
  private long inflateInto(long at, byte[] out, int off) throws IOException {
    if (!header.markers()) {
      throw ImageFormatException.at(
          file.path(),
          "VMDK compressed grain",
          at,
          "compressed grains without markers are not supported; convert it with `qemu-img"
              + " convert -O vmdk -o subformat=streamOptimized IN OUT`");
    }
    int first = (int) Math.min(file.size() - at, 12L + grainBytes + 1024);
    ByteBuffer head = file.readStructureLe("VMDK grain marker", at, Math.max(12, first));
    long lba = head.getLong(0);
    long size = Integer.toUnsignedLong(head.getInt(8));
    long maxSize = 2L * grainBytes + 4096;
    if (size == 0 || size > maxSize) {
      throw ImageFormatException.at(
          file.path(),
          "VMDK grain marker",
          at,
          "compressed length "
              + size
              + " is outside 1.."
              + maxSize
              + " bytes for a grain of "
              + grainBytes
              + "; the image is corrupt: convert it again");
    }
    if (lba < 0 || lba % header.grainSectors() != 0 || lba * 512 >= virtualSize()) {
      throw ImageFormatException.at(
          file.path(),
          "VMDK grain marker",
          at,
          "grain LBA "
              + lba
              + " is not a grain of this disk; the image is corrupt: convert it again");
    }
    byte[] input;
    int inputOff;
    if (12 + size <= head.limit()) {
      input = head.array();
      inputOff = 12;
    } else {
      input = file.readStructure("VMDK compressed grain", at + 12, (int) size).array();
      inputOff = 0;
    }
    long needed = Math.min(grainBytes, virtualSize() - lba * 512);
    int produced = 0;
    Inflater inflater = INFLATERS.get();
    inflater.reset(); // zlib-wrapped deflate (RFC 1950)
    try {
      inflater.setInput(input, inputOff, (int) size);
      for (int pass = 0; pass < 4 && produced < grainBytes; pass++) {
        int k = inflater.inflate(out, off + produced, grainBytes - produced);
        produced += k;
        if (k == 0
            && (inflater.finished() || inflater.needsInput() || inflater.needsDictionary())) {
          break;
        }
      }
    } catch (DataFormatException e) {
      throw ImageFormatException.at(
          file.path(),
          "VMDK compressed grain",
          at + 12,
          "corrupt deflate data (" + e.getMessage() + "); the image is damaged: convert it again",
          e);
    }
    if (produced < needed) {
      throw ImageFormatException.at(
          file.path(),
          "VMDK compressed grain",
          at + 12,
          "inflates to "
              + produced
              + " bytes, fewer than the "
              + needed
              + " the grain holds; the image is damaged: convert it again");
    }
    Arrays.fill(out, off + produced, off + grainBytes, (byte) 0);
    return lba;
  }
}
