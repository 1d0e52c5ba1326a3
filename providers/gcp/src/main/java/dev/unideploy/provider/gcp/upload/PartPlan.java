package dev.unideploy.provider.gcp.upload;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;

/**
 * How the tarball stream is cut into part objects and where they live: the part size, the part and
 * intermediate object names of one upload generation, and which journaled parts a resume may keep.
 *
 * <p>A composite object has at most 1024 components, and one compose call takes at most 32 sources
 * (https://cloud.google.com/storage/docs/composite-objects), so the part size grows with the disk.
 */
record PartPlan(long partBytes, String prefix) {
  /** Cloud Storage's limit on the components of one composite object. */
  static final int MAX_PARTS = 1024;

  /** Cloud Storage's limit on the sources of one compose call. */
  static final int MAX_SOURCES = 32;

  /** What a finalized part object holds: its stream range's end, and both CRC32Cs. */
  record Part(int index, String object, long size, String crc32c, long streamEnd, long streamCrc) {}

  /**
   * The part size for a disk: {@code configured}, grown (in whole chunks) so that even a tarball
   * larger than the disk fits in {@link #MAX_PARTS} parts.
   */
  static long partBytes(long configured, int chunkBytes, long virtualSize) {
    long needed = ceil(largestTarball(virtualSize), MAX_PARTS);
    long size = Math.max(configured, needed);
    return ceil(size, chunkBytes) * chunkBytes;
  }

  /**
   * An upper bound of the tarball's size: random data does not shrink (gzip stores it, 5 bytes per
   * 64 KiB), the sparse map of a fragmented disk costs at most a few percent, and headers and the
   * gzip'd zero padding to a whole GiB fit in a few MiB.
   */
  static long largestTarball(long virtualSize) {
    return virtualSize + virtualSize / 32 + (8L << 20);
  }

  /** The plan of one upload generation of {@code object}, its temporary objects under a prefix. */
  static PartPlan of(long partBytes, String object, String key, int generation) {
    return new PartPlan(partBytes, object + ".unideploy-parts/" + key + "-g" + generation + "/");
  }

  int index(long streamOffset) {
    return Math.toIntExact(streamOffset / partBytes);
  }

  long start(int index) {
    return index * partBytes;
  }

  String partName(int index) {
    return prefix + String.format(Locale.ROOT, "part-%04d", index);
  }

  String intermediateName(int level, int index) {
    return prefix + String.format(Locale.ROOT, "compose-%d-%04d", level, index);
  }

  /**
   * The journaled parts a resume keeps: the longest run from part 0, in order and back to back,
   * whose objects are still there with the size and CRC32C recorded when they were finalized (a
   * part deleted by a lifecycle rule, or overwritten, is sent again with all after it).
   */
  List<Part> usable(
      List<Part> journaled, Function<String, Optional<ObjectStore.StoredObject>> get) {
    List<Part> keep = new ArrayList<>();
    long at = 0;
    for (Part p : journaled) {
      boolean inPlace =
          p.index() == keep.size() && p.streamEnd() - p.size() == at && p.size() <= partBytes;
      // Only the last part of the stream may be short: a short part ends the run.
      boolean afterShort = !keep.isEmpty() && keep.get(keep.size() - 1).size() < partBytes;
      if (!inPlace || afterShort) {
        break;
      }
      Optional<ObjectStore.StoredObject> o = get.apply(p.object());
      if (o.isEmpty() || o.get().size() != p.size() || !p.crc32c().equals(o.get().crc32c())) {
        break;
      }
      keep.add(p);
      at = p.streamEnd();
    }
    return keep;
  }

  /**
   * The temporary objects an upload of {@code partNames} made (parts, and the intermediate
   * composites of more than 32), named by the journal; for deleting what a run left.
   */
  static List<String> temporaries(List<String> partNames) {
    List<String> all = new ArrayList<>(partNames);
    if (partNames.isEmpty()) {
      return all;
    }
    String first = partNames.get(0);
    PartPlan plan = new PartPlan(0, first.substring(0, first.lastIndexOf('/') + 1));
    int count = partNames.size();
    for (int level = 0; count > MAX_SOURCES; level++) {
      count = Math.toIntExact(ceil(count, MAX_SOURCES));
      for (int i = 0; i < count; i++) {
        all.add(plan.intermediateName(level, i));
      }
    }
    return all;
  }

  /** {@code sources} cut into compose calls of at most {@link #MAX_SOURCES}, in order. */
  static List<List<String>> groups(List<String> sources) {
    List<List<String>> groups = new ArrayList<>();
    for (int i = 0; i < sources.size(); i += MAX_SOURCES) {
      groups.add(List.copyOf(sources.subList(i, Math.min(sources.size(), i + MAX_SOURCES))));
    }
    return groups;
  }

  private static long ceil(long a, long b) {
    return (a + b - 1) / b;
  }
}
