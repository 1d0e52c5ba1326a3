package dev.unideploy.image.read;

import static org.assertj.core.api.Assertions.assertThat;

import dev.unideploy.image.Extent;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

class ExtentMapBuilderTest {

  @Test
  void mergesNeighboursOfTheSameKindAndPadsToTheSize() {
    ExtentMapBuilder b = new ExtentMapBuilder();
    b.add(10, true);
    b.add(5, true);
    b.add(0, false);
    b.addAt(20, 4, false);
    b.addAt(30, 2, true);
    assertThat(b.build(40))
        .containsExactly(
            Extent.data(0, 15), Extent.zero(15, 15), Extent.data(30, 2), Extent.zero(32, 8));
  }

  @Property(tries = 200)
  void staysContiguousAndBoundedAndNeverLosesData(
      @ForAll @Size(max = 400) List<@IntRange(min = 1, max = 5000) Integer> runs,
      @ForAll @IntRange(min = 4, max = 40) int cap) {
    ExtentMapBuilder b = new ExtentMapBuilder(cap);
    boolean data = false;
    long total = 0;
    long[] dataStarts = new long[runs.size()];
    long[] dataEnds = new long[runs.size()];
    int dataRuns = 0;
    for (int length : runs) {
      data = !data;
      if (data) {
        dataStarts[dataRuns] = total;
        dataEnds[dataRuns++] = total + length;
      }
      b.add(length, data);
      total += length;
    }
    List<Extent> map = b.build(total);
    assertThat(map.size()).isLessThanOrEqualTo(cap);
    long pos = 0;
    for (Extent e : map) {
      assertThat(e.offset()).isEqualTo(pos);
      pos = e.end();
    }
    assertThat(pos).isEqualTo(total);
    // Compaction may turn zero into data, never data into zero.
    for (int i = 0; i < dataRuns; i++) {
      long start = dataStarts[i];
      long end = dataEnds[i];
      for (Extent e : map) {
        if (!e.data() && e.offset() < end && e.end() > start) {
          throw new AssertionError("data run " + start + ".." + end + " lost in " + e);
        }
      }
    }
  }
}
