package dev.unideploy.image.write;

import dev.unideploy.image.Extent;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;

/**
 * Walks the units of a disk that hold data, in ascending order, visiting only data extents: a 16
 * GiB disk with 64 MiB of data costs 64 MiB of work, not 16 GiB.
 */
public final class DataUnits {

  /** Receives each unit; may throw to stop the walk. */
  @FunctionalInterface
  public interface Visitor {
    void visit(DataUnit unit) throws IOException;
  }

  private DataUnits() {}

  public static void forEach(List<Extent> extents, long virtualSize, int unitSize, Visitor visitor)
      throws IOException {
    long current = -1;
    long[] parts = new long[8];
    int n = 0;
    for (Extent e : extents) {
      if (!e.data()) {
        continue;
      }
      long end = Math.min(e.end(), virtualSize);
      long pos = e.offset();
      while (pos < end) {
        long unit = pos / unitSize;
        if (unit != current) {
          if (current >= 0) {
            visitor.visit(unit(current, unitSize, virtualSize, parts, n));
          }
          current = unit;
          n = 0;
        }
        long segEnd = Math.min(end, (unit + 1) * unitSize);
        if (n > 0 && parts[n - 2] + parts[n - 1] == pos) {
          parts[n - 1] += segEnd - pos; // adjacent data extents: one part
        } else {
          if (n == parts.length) {
            parts = Arrays.copyOf(parts, n * 2);
          }
          parts[n++] = pos;
          parts[n++] = segEnd - pos;
        }
        pos = segEnd;
      }
    }
    if (current >= 0) {
      visitor.visit(unit(current, unitSize, virtualSize, parts, n));
    }
  }

  private static DataUnit unit(long index, int unitSize, long virtualSize, long[] parts, int n) {
    long start = index * unitSize;
    int length = (int) Math.min(unitSize, virtualSize - start);
    return new DataUnit(index, start, length, Arrays.copyOf(parts, n));
  }
}
