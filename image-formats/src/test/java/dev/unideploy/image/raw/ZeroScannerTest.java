package dev.unideploy.image.raw;

import static org.assertj.core.api.Assertions.assertThat;

import dev.unideploy.image.Extent;
import dev.unideploy.image.read.ExtentMapBuilder;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class ZeroScannerTest {

  @Test
  void isAllZeroOnHeapAndDirectBuffersWithoutMovingThem() {
    for (ByteBuffer buf :
        new ByteBuffer[] {ByteBuffer.allocate(200_000), ByteBuffer.allocateDirect(200_000)}) {
      buf.position(10).limit(150_000);
      assertThat(ZeroScanner.isAllZero(buf)).isTrue();
      buf.put(149_999, (byte) 1);
      assertThat(ZeroScanner.isAllZero(buf)).isFalse();
      buf.limit(149_999);
      assertThat(ZeroScanner.isAllZero(buf)).isTrue();
      buf.put(5, (byte) 1); // before the position: not looked at
      assertThat(ZeroScanner.isAllZero(buf)).isTrue();
      assertThat(buf.position()).isEqualTo(10);
    }
  }

  @Test
  void scansAnyDiskImageLikeSourceAtAlignedBlocks() throws Exception {
    byte[] disk = new byte[3 * 1024 * 1024 + 300];
    disk[70_000] = 1; // second 64 KiB block
    disk[disk.length - 1] = 1; // the partial tail block
    ExtentMapBuilder map = new ExtentMapBuilder();
    // A source that returns short reads, as a DiskImage may.
    ZeroScanner.Source source =
        (offset, dst) -> {
          int n = Math.min(dst.remaining(), 100_000);
          dst.put(disk, (int) offset, n);
          return n;
        };
    ZeroScanner.scan(source, 1000, disk.length, 65536, map);
    assertThat(map.build(disk.length))
        .containsExactly(
            Extent.zero(0, 65536),
            Extent.data(65536, 65536),
            Extent.zero(131072, 3 * 1024 * 1024 - 131072),
            Extent.data(3 * 1024 * 1024, 300));
  }
}
