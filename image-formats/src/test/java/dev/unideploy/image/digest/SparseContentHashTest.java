package dev.unideploy.image.digest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.unideploy.image.Extent;
import dev.unideploy.image.testing.MemoryDiskImage;
import dev.unideploy.image.write.WriteProgress;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The content hash depends on the virtual disk's bytes only, never on how its zeroes are stored.
 */
class SparseContentHashTest {
  private static final int SIZE = 5 * 1024 * 1024 + 12_345;

  private static byte[] disk() {
    byte[] b = new byte[SIZE];
    Random r = new Random(7);
    byte[] data = new byte[700_000];
    r.nextBytes(data);
    System.arraycopy(data, 0, b, 100_000, data.length);
    System.arraycopy(data, 0, b, 3_000_000, 1000);
    b[SIZE - 1] = 1; // in the short last chunk
    return b;
  }

  @Test
  void equalDisksHashEquallyWhateverTheirHoleLayoutAndThreads() throws Exception {
    byte[] b = disk();
    String allData = SparseContentHash.of(MemoryDiskImage.of(b, List.of(Extent.data(0, SIZE))));
    assertThat(SparseContentHash.of(MemoryDiskImage.scanned(b, 4096))).isEqualTo(allData);
    assertThat(SparseContentHash.of(MemoryDiskImage.scanned(b, 64 * 1024))).isEqualTo(allData);
    assertThat(SparseContentHash.of(MemoryDiskImage.scanned(b, 1 << 20), 3, WriteProgress.NONE))
        .isEqualTo(allData);
    assertThat(SparseContentHash.of(MemoryDiskImage.scanned(b, 4096), 1, WriteProgress.NONE))
        .isEqualTo(allData);
  }

  @Test
  void anyChangedByteOrSizeChangesTheHash() throws Exception {
    byte[] b = disk();
    String before = SparseContentHash.of(MemoryDiskImage.scanned(b, 4096));
    b[2_000_000] = 1; // a byte in a chunk that was all zero
    String zeroChunkChanged = SparseContentHash.of(MemoryDiskImage.scanned(b, 4096));
    b[2_000_000] = 0;
    b[100_001] ^= 1; // a byte in a data chunk
    String dataChanged = SparseContentHash.of(MemoryDiskImage.scanned(b, 4096));
    b[100_001] ^= 1;
    byte[] longer = java.util.Arrays.copyOf(b, SIZE + 512); // one more zero sector
    String sizeChanged = SparseContentHash.of(MemoryDiskImage.scanned(longer, 4096));

    assertThat(SparseContentHash.of(MemoryDiskImage.scanned(b, 4096))).isEqualTo(before);
    assertThat(List.of(zeroChunkChanged, dataChanged, sizeChanged))
        .doesNotContain(before)
        .doesNotHaveDuplicates();
    assertThat(before).matches("[0-9a-f]{64}");
  }
}
