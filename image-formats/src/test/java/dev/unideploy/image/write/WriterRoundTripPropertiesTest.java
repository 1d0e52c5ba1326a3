package dev.unideploy.image.write;

import static org.assertj.core.api.Assertions.assertThat;

import dev.unideploy.image.TargetFormat;
import dev.unideploy.image.testing.MemoryDiskImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterProperty;
import net.jqwik.api.lifecycle.BeforeProperty;

/**
 * Random extent maps (zero extents, random, compressible and all-zero data, unaligned sizes) go
 * through every writer and back through the matching reader to the same bytes.
 */
class WriterRoundTripPropertiesTest {
  private Path dir;

  @BeforeProperty
  void createDir() throws IOException {
    dir = Files.createTempDirectory("writer-props");
  }

  @AfterProperty
  void deleteDir() throws IOException {
    WrittenImages.deleteTree(dir);
  }

  @Property(tries = 40)
  void everyWriterRoundTrips(
      @ForAll("runs") List<int[]> runs, @ForAll long seed, @ForAll("threads") int threads)
      throws IOException {
    MemoryDiskImage image = MemoryDiskImage.fromRuns(seed, runs.toArray(new int[0][]));
    byte[] expected = image.bytes();
    for (TargetFormat format : TargetFormat.values()) {
      for (boolean sparse :
          format == TargetFormat.GCE_TARBALL
              ? new boolean[] {false, true}
              : new boolean[] {false}) {
        Path out = dir.resolve("out-" + format.cliName() + (sparse ? "-sparse" : ""));
        WriteOptions options = WriteOptions.defaults().withThreads(threads).withSparse(sparse);
        WriteResult result = WrittenImages.write(image, format, out, options);
        assertThat(result.outputBytes()).isEqualTo(Files.size(out));
        assertThat(result.outputVirtualSize()).isGreaterThanOrEqualTo(expected.length);
        int padded = (int) Math.min(result.outputVirtualSize(), expected.length + 4096L);
        byte[] back = WrittenImages.readBack(format, out, padded);
        assertThat(Arrays.copyOf(back, expected.length))
            .as("%s%s", format, sparse ? " sparse" : "")
            .isEqualTo(expected);
        assertThat(Arrays.copyOfRange(back, expected.length, padded))
            .as("%s padding", format)
            .isEqualTo(new byte[padded - expected.length]);
      }
    }
  }

  @Provide
  Arbitrary<List<int[]>> runs() {
    return diskRuns(8);
  }

  /** Up to {@code maxRuns} runs for {@link MemoryDiskImage#fromRuns}: short, ~64 KiB and long. */
  static Arbitrary<List<int[]>> diskRuns(int maxRuns) {
    Arbitrary<Integer> length =
        Arbitraries.oneOf(
            Arbitraries.integers().between(1, 5000),
            Arbitraries.integers().between(60_000, 70_000),
            Arbitraries.integers().between(100_000, 2_300_000));
    Arbitrary<Integer> kind = Arbitraries.integers().between(0, 3);
    return Combinators.combine(length, kind)
        .as((l, k) -> new int[] {l, k})
        .list()
        .ofMinSize(1)
        .ofMaxSize(maxRuns);
  }

  @Provide
  Arbitrary<Integer> threads() {
    return Arbitraries.of(1, 3);
  }
}
