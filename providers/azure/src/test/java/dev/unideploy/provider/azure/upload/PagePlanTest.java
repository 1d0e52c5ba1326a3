package dev.unideploy.provider.azure.upload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.unideploy.pipeline.UnideployException;
import java.util.BitSet;
import java.util.List;
import org.junit.jupiter.api.Test;

class PagePlanTest {
  @Test
  void trimKeepsTheSpanBetweenTheFirstAndLastNonZeroPage() {
    byte[] b = new byte[PagePlan.WINDOW];
    assertThat(PagePlan.trim(b, b.length)).isNull();
    b[1000] = 1; // page 1
    b[5 * 512 + 7] = 2; // page 5
    assertThat(PagePlan.trim(b, b.length)).containsExactly(512, 6 * 512);
    b[b.length - 1] = 3;
    assertThat(PagePlan.trim(b, b.length)).containsExactly(512, b.length);
  }

  @Test
  void verifyRefusesLostPagesStrayPagesAndAMissingFooter() {
    long virtual = 8L << 20; // two windows
    BitSet candidates = new BitSet();
    candidates.set(0);
    long[] footer = {virtual, virtual + 512};
    List<long[]> written = List.of(new long[] {512, 4096});
    VhdUploader.verify(List.of(new long[] {512, 4096}, footer), written, candidates, virtual);
    assertThatThrownBy(() -> VhdUploader.verify(List.of(footer), written, candidates, virtual))
        .isInstanceOf(UnideployException.class)
        .hasMessageContaining("acknowledged but are not in the blob");
    assertThatThrownBy(
            () ->
                VhdUploader.verify(
                    List.of(
                        new long[] {512, 4096},
                        new long[] {PagePlan.WINDOW, PagePlan.WINDOW + 512},
                        footer),
                    written,
                    candidates,
                    virtual))
        .hasMessageContaining("window 1, where the disk has none");
    assertThatThrownBy(
            () -> VhdUploader.verify(List.of(new long[] {512, 4096}), written, candidates, virtual))
        .hasMessageContaining("footer is missing");
  }

  @Test
  void httpWriterRefusesPagesAzureWouldRefuse() {
    HttpPageWriter w =
        new HttpPageWriter(
            "https://example.invalid/c/b?sig=x",
            new dev.unideploy.pipeline.resilience.CallPolicy(
                dev.unideploy.pipeline.resilience.CallPolicy.Settings.defaults(), t -> false),
            java.time.Duration.ofSeconds(1));
    assertThatThrownBy(() -> w.putPages(0, new byte[PagePlan.WINDOW + 512], PagePlan.WINDOW + 512))
        .hasMessageContaining("4 MiB");
    assertThatThrownBy(() -> w.putPages(100, new byte[512], 512)).hasMessageContaining("512 B");
  }
}
