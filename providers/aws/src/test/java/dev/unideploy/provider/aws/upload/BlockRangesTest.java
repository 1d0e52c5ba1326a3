package dev.unideploy.provider.aws.upload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.BitSet;
import java.util.Random;
import org.junit.jupiter.api.Test;

class BlockRangesTest {
  @Test
  void formatsRunsCompactly() {
    BitSet b = new BitSet();
    b.set(0, 64);
    b.set(70);
    b.set(72, 81);
    assertThat(BlockRanges.format(b)).isEqualTo("0-63,70,72-80");
    assertThat(BlockRanges.format(new BitSet())).isEmpty();
  }

  @Test
  void roundTripsRandomSets() {
    Random r = new Random(1);
    for (int i = 0; i < 200; i++) {
      BitSet b = new BitSet();
      for (int j = 0; j < 300; j++) {
        if (r.nextInt(3) == 0) {
          b.set(r.nextInt(5000));
        }
      }
      BitSet back = new BitSet();
      BlockRanges.parseInto(BlockRanges.format(b), back);
      assertThat(back).isEqualTo(b);
    }
  }

  @Test
  void rejectsMalformedRangesNamingThem() {
    assertThatThrownBy(() -> BlockRanges.parseInto("1-3,9-4", new BitSet()))
        .hasMessageContaining("'9-4'");
    assertThatThrownBy(() -> BlockRanges.parseInto("x", new BitSet())).hasMessageContaining("'x'");
  }
}
