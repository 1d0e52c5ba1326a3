package dev.unideploy.provider.aws.upload;

import static org.assertj.core.api.Assertions.assertThat;

import dev.unideploy.image.Extent;
import dev.unideploy.image.testing.MemoryDiskImage;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The reader reuses pooled buffers: whatever a block's data extents do not cover must read 0. */
class BlockReaderTest {
  private static final int B = BlockPlan.BLOCK_SIZE;

  @Test
  void holesBetweenDataExtentsAreZeroedInAReusedBuffer() throws Exception {
    byte[] bytes = new byte[2 * B];
    new Random(7).nextBytes(bytes);
    // Block 1: zero, data [4 KiB, 8 KiB), zero, data [100 KiB, 200 KiB), zero to the end.
    long b1 = B;
    List<Extent> extents =
        List.of(
            Extent.data(0, B),
            Extent.zero(b1, 4096),
            Extent.data(b1 + 4096, 4096),
            Extent.zero(b1 + 8192, 100 * 1024 - 8192),
            Extent.data(b1 + 100 * 1024, 100 * 1024),
            Extent.zero(b1 + 200 * 1024, B - 200 * 1024));
    BlockReader reader = new BlockReader(MemoryDiskImage.of(bytes, extents));
    byte[] buf = new byte[B];

    reader.read(0, buf);
    assertThat(buf).isEqualTo(Arrays.copyOfRange(bytes, 0, B));

    Arrays.fill(buf, (byte) 0x55); // stale content of the previous block in the pool
    reader.read(1, buf);
    byte[] expected = new byte[B];
    System.arraycopy(bytes, B + 4096, expected, 4096, 4096);
    System.arraycopy(bytes, B + 100 * 1024, expected, 100 * 1024, 100 * 1024);
    assertThat(buf).isEqualTo(expected);
  }

  @Test
  void theTailPastTheVirtualSizeIsZero() throws Exception {
    byte[] bytes = new byte[B + 1000];
    new Random(8).nextBytes(bytes);
    BlockReader reader =
        new BlockReader(MemoryDiskImage.of(bytes, List.of(Extent.data(0, bytes.length))));
    byte[] buf = new byte[B];
    Arrays.fill(buf, (byte) 0x55);

    reader.read(1, buf);

    byte[] expected = new byte[B];
    System.arraycopy(bytes, B, expected, 0, 1000);
    assertThat(buf).isEqualTo(expected);
    Arrays.fill(buf, (byte) 0x55);
    reader.read(0, buf);
    assertThat(BlockReader.isZero(buf)).isFalse();
  }
}
