package dev.unideploy.image.write;

import static org.assertj.core.api.Assertions.assertThat;

import dev.unideploy.image.Extent;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class DataUnitsTest {

  private static List<DataUnit> walk(List<Extent> extents, long size, int unit) throws IOException {
    List<DataUnit> units = new ArrayList<>();
    DataUnits.forEach(extents, size, unit, units::add);
    return units;
  }

  @Test
  void visitsOnlyUnitsWithDataAndClipsPartsToThem() throws IOException {
    List<Extent> extents =
        List.of(
            Extent.data(0, 100),
            Extent.data(100, 50), // adjacent: one part
            Extent.zero(150, 10_000),
            Extent.data(10_150, 2_000), // crosses the 11 264 boundary of 1 KiB units
            Extent.zero(12_150, 1_000_000),
            Extent.data(1_012_150, 7)); // in the last, partial unit
    long size = 1_012_157;
    List<DataUnit> units = walk(extents, size, 1024);

    assertThat(units).extracting(DataUnit::index).containsExactly(0L, 9L, 10L, 11L, 988L);
    assertThat(units.get(0).dataParts()).containsExactly(0, 150);
    assertThat(units.get(1).dataParts()).containsExactly(10_150, 9216 + 1024 - 10_150);
    assertThat(units.get(2).dataParts()).containsExactly(10_240, 1024);
    assertThat(units.get(3).dataParts()).containsExactly(11_264, 12_150 - 11_264);
    DataUnit last = units.get(4);
    assertThat(last.length()).isEqualTo((int) (size - 988 * 1024));
    assertThat(last.dataParts()).containsExactly(1_012_150, 7);
  }

  @Test
  void aDiskOfZeroesHasNoUnits() throws IOException {
    assertThat(walk(List.of(Extent.zero(0, 1L << 40)), 1L << 40, 1 << 20)).isEmpty();
  }
}
