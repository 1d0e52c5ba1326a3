package dev.unideploy.image.read;

import dev.unideploy.image.Extent;
import java.util.ArrayList;
import java.util.List;

/**
 * Collects data and zero runs in ascending order into a contiguous extent map, merging neighbours
 * of the same kind, and keeps the map under {@link ReaderLimits#MAX_EXTENTS} by folding ever longer
 * zero runs into the data around them.
 */
public final class ExtentMapBuilder {
  private final int maxExtents;
  private final List<Extent> extents = new ArrayList<>();
  private long end;
  private long minZeroRun = 1;

  public ExtentMapBuilder() {
    this(ReaderLimits.MAX_EXTENTS);
  }

  ExtentMapBuilder(int maxExtents) {
    if (maxExtents < 4) {
      throw new IllegalArgumentException("maxExtents must be at least 4");
    }
    this.maxExtents = maxExtents;
  }

  /** Where the next run must start. */
  public long end() {
    return end;
  }

  /** Appends a run starting at {@link #end()}; zero-length runs are ignored. */
  public void add(long length, boolean data) {
    if (length < 0) {
      throw new IllegalArgumentException("negative run length " + length);
    }
    if (length == 0) {
      return;
    }
    if (!data && length < minZeroRun) {
      data = true; // folded: see compact()
    }
    int last = extents.size() - 1;
    if (last >= 0 && extents.get(last).data() == data) {
      Extent prev = extents.get(last);
      extents.set(last, new Extent(prev.offset(), prev.length() + length, data));
    } else {
      extents.add(new Extent(end, length, data));
    }
    end += length;
    if (extents.size() > maxExtents) {
      compact();
    }
  }

  /** Appends a run that starts at {@code offset >= end()}, filling any gap with zero. */
  public void addAt(long offset, long length, boolean data) {
    if (offset < end) {
      throw new IllegalArgumentException("run at " + offset + " is before the end " + end);
    }
    add(offset - end, false);
    add(length, data);
  }

  /** The finished map, padded with a zero run up to {@code virtualSize}. */
  public List<Extent> build(long virtualSize) {
    if (virtualSize < end) {
      throw new IllegalArgumentException(
          "map of " + end + " bytes exceeds the size " + virtualSize);
    }
    add(virtualSize - end, false);
    return List.copyOf(extents);
  }

  // Doubles the shortest zero run kept until the map is at most half full: each pass at least
  // halves nothing or merges, and the threshold reaches any run length in at most 63 passes.
  private void compact() {
    while (extents.size() > maxExtents / 2) {
      minZeroRun = minZeroRun < (1L << 62) ? Math.max(minZeroRun * 2, 512) : Long.MAX_VALUE;
      List<Extent> old = new ArrayList<>(extents);
      extents.clear();
      for (Extent e : old) {
        boolean data = e.data() || e.length() < minZeroRun;
        int last = extents.size() - 1;
        if (last >= 0 && extents.get(last).data() == data) {
          Extent prev = extents.get(last);
          extents.set(last, new Extent(prev.offset(), prev.length() + e.length(), data));
        } else {
          extents.add(new Extent(e.offset(), e.length(), data));
        }
      }
    }
  }
}
