package dev.unideploy.provider.gcp.upload;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;

/** The part plan: sizes, names, which journaled parts a resume keeps, compose groups, cutting. */
class PartPlanTest {
  private static final int MIB = 1 << 20;

  @Test
  void thePartSizeGrowsInWholeChunksSoThatNoTarballNeedsMoreThan1024Parts() {
    assertThat(PartPlan.partBytes(64L * MIB, 32 * MIB, 16L << 30)).isEqualTo(64L * MIB);
    long huge = 2L << 40; // 2 TiB of incompressible data
    long part = PartPlan.partBytes(64L * MIB, 32 * MIB, huge);
    assertThat(part % (32 * MIB)).isZero();
    assertThat(PartPlan.largestTarball(huge) / part).isLessThan(PartPlan.MAX_PARTS);
    assertThat(part).isLessThan(PartPlan.largestTarball(huge) / (PartPlan.MAX_PARTS - 32));
    // Small parts stay small for a small disk (the tests' 1 MiB parts).
    assertThat(PartPlan.partBytes(MIB, MIB, 24L * MIB)).isEqualTo(MIB);
  }

  @Test
  void namesDependOnTheObjectTheKeyAndTheGeneration() {
    PartPlan a = PartPlan.of(MIB, "unideploy/x.tar.gz", "k1", 1);
    assertThat(a.partName(7)).isEqualTo("unideploy/x.tar.gz.unideploy-parts/k1-g1/part-0007");
    assertThat(a.intermediateName(0, 3))
        .isEqualTo("unideploy/x.tar.gz.unideploy-parts/k1-g1/compose-0-0003");
    assertThat(PartPlan.of(MIB, "unideploy/x.tar.gz", "k1", 2).partName(7))
        .isNotEqualTo(a.partName(7));
    assertThat(PartPlan.of(MIB, "unideploy/x.tar.gz", "k2", 1).partName(7))
        .isNotEqualTo(a.partName(7));
  }

  @Test
  void aResumeKeepsTheContiguousPartsStillThereWithTheirCrc() {
    PartPlan plan = PartPlan.of(MIB, "o", "k", 1);
    List<PartPlan.Part> journaled = new ArrayList<>();
    Map<String, ObjectStore.StoredObject> bucket = new HashMap<>();
    for (int i = 0; i < 5; i++) {
      PartPlan.Part p = new PartPlan.Part(i, plan.partName(i), MIB, "c" + i, (i + 1L) * MIB, i);
      journaled.add(p);
      bucket.put(p.object(), new ObjectStore.StoredObject(MIB, "c" + i, Map.of()));
    }
    assertThat(plan.usable(journaled, n -> Optional.ofNullable(bucket.get(n)))).hasSize(5);

    bucket.remove(plan.partName(3)); // deleted behind our back: 3 and 4 are sent again
    assertThat(plan.usable(journaled, n -> Optional.ofNullable(bucket.get(n))))
        .extracting(PartPlan.Part::index)
        .containsExactly(0, 1, 2);

    bucket.put(plan.partName(1), new ObjectStore.StoredObject(MIB, "other", Map.of()));
    assertThat(plan.usable(journaled, n -> Optional.ofNullable(bucket.get(n))))
        .extracting(PartPlan.Part::index)
        .containsExactly(0);

    // Out of order or with a gap: nothing after the gap counts.
    List<PartPlan.Part> gap = List.of(journaled.get(0), journaled.get(2));
    assertThat(plan.usable(gap, n -> Optional.ofNullable(bucket.get(n)))).hasSize(1);
  }

  @Test
  void composeGroupsHoldAtMost32SourcesInOrder() {
    List<String> names = new ArrayList<>();
    for (int i = 0; i < 1024; i++) {
      names.add("p" + i);
    }
    List<List<String>> groups = PartPlan.groups(names);
    assertThat(groups).hasSize(32).allMatch(g -> g.size() == 32);
    assertThat(groups.stream().flatMap(List::stream).toList()).isEqualTo(names);
    assertThat(PartPlan.groups(names.subList(0, 33))).extracting(List::size).containsExactly(32, 1);
    assertThat(PartPlan.groups(names.subList(0, 32))).hasSize(1);
  }

  @Test
  void theTemporariesOfAnUploadAreItsPartsAndTheIntermediatesComposeMade() {
    PartPlan plan = PartPlan.of(MIB, "o", "k", 3);
    List<String> parts = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      parts.add(plan.partName(i));
    }
    assertThat(PartPlan.temporaries(parts.subList(0, 32))).isEqualTo(parts.subList(0, 32));
    assertThat(PartPlan.temporaries(parts))
        .hasSize(42)
        .endsWith(plan.intermediateName(0, 0), plan.intermediateName(0, 1));
  }

  /**
   * What the channel hands a sink: chunks cut at part boundaries, each part's CRC32C on its end.
   */
  @Test
  void theChannelCutsChunksAtPartBoundariesWithEachPartsCrc() throws IOException {
    int chunk = 1000;
    long part = 3000;
    byte[] stream = new byte[10_500];
    new Random(3).nextBytes(stream);
    List<TarballChannel.Chunk> got = new ArrayList<>();
    TarballChannel.Sink sink =
        new TarballChannel.Sink() {
          @Override
          public byte[] buffer(long offset) {
            return new byte[chunk];
          }

          @Override
          public void submit(TarballChannel.Chunk c) {
            got.add(c);
          }
        };
    // Resumed after the first part (its CRC32C checked at its end), mid-way through the second.
    CRC32C upTo = new CRC32C();
    upTo.update(stream, 0, 3000);
    TarballChannel channel =
        new TarballChannel(sink, chunk, part, 3500, 3000, upTo.getValue(), null);
    for (int i = 0; i < stream.length; i += 777) {
      channel.write(ByteBuffer.wrap(stream, i, Math.min(777, stream.length - i)));
    }
    channel.finish();
    assertThat(got.get(0).offset()).isEqualTo(3500);
    long at = 3500;
    for (TarballChannel.Chunk c : got) {
      assertThat(c.offset()).isEqualTo(at);
      assertThat(c.offset() / part).isEqualTo((c.offset() + c.len() - 1) / part);
      at += c.len();
      if (c.partEnd()) {
        long start = (c.offset() / part) * part;
        CRC32C crc = new CRC32C();
        crc.update(stream, (int) start, (int) (at - start));
        assertThat(c.partCrc()).isEqualTo(crc.getValue());
      }
    }
    assertThat(at).isEqualTo(stream.length);
    assertThat(got.stream().filter(TarballChannel.Chunk::partEnd).map(c -> c.offset() + c.len()))
        .containsExactly(6000L, 9000L, 10_500L);

    // Another runner's regenerated stream differs before the first part's end: refused.
    byte[] changed = stream.clone();
    changed[10] ^= 1;
    TarballChannel other = new TarballChannel(sink, chunk, part, 3000, 3000, upTo.getValue(), null);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> other.write(ByteBuffer.wrap(changed)))
        .isInstanceOf(TarballChannel.NotReproducibleException.class);
  }
}
