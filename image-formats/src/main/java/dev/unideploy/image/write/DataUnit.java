package dev.unideploy.image.write;

/**
 * One aligned unit of the virtual disk (a grain batch, a VHD block, a gzip chunk) that overlaps at
 * least one data extent, with the data parts inside it; the rest of the unit is known zero.
 *
 * @param index the unit number, {@code start / unitSize}
 * @param start the unit's first byte on the virtual disk
 * @param length the unit size, shorter only for the last unit of the disk
 * @param dataParts pairs of (offset, length) on the virtual disk, ascending, inside the unit
 */
public record DataUnit(long index, long start, int length, long[] dataParts) {

  public long end() {
    return start + length;
  }
}
