package dev.unideploy.image.write;

import static org.assertj.core.api.Assertions.assertThat;

import dev.unideploy.image.DiskImage;
import dev.unideploy.image.Extent;
import dev.unideploy.image.ImageFormat;
import dev.unideploy.image.ReadOptions;
import dev.unideploy.image.StoredRun;
import dev.unideploy.image.TargetFormat;
import dev.unideploy.image.formats.ImageReaders;
import dev.unideploy.image.readtest.QemuImg;
import dev.unideploy.image.testing.MemoryDiskImage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterProperty;
import net.jqwik.api.lifecycle.BeforeProperty;

/**
 * The kernel-copy path: random disks stored as files (sparse raw, fixed and dynamic VHD, sparse
 * VMDK, and qcow2 from qemu-img where it is installed) go through every writer and back to the same
 * bytes. The in-memory round trips never take this path, since a memory image has no file.
 */
class KernelCopyRoundTripTest {
  private Path dir;

  @BeforeProperty
  void createDir() throws IOException {
    dir = Files.createTempDirectory("kernel-copy");
  }

  @AfterProperty
  void deleteDir() throws IOException {
    WrittenImages.deleteTree(dir);
  }

  @Property(tries = 12)
  void fileBackedInputsRoundTripThroughEveryWriter(
      @ForAll("runs") List<int[]> runs, @ForAll long seed, @ForAll("threads") int threads)
      throws Exception {
    MemoryDiskImage memory = MemoryDiskImage.fromRuns(seed, runs.toArray(new int[0][]));
    byte[] expected = memory.bytes();
    boolean hasData = false;
    for (byte b : expected) {
      if (b != 0) {
        hasData = true;
        break;
      }
    }
    for (Map.Entry<Path, ImageFormat> input : inputs(memory).entrySet()) {
      ReadOptions read = ReadOptions.defaults().withTrustFileHoles(true).withZeroGranularity(4096);
      try (DiskImage image = ImageReaders.open(input.getKey(), input.getValue(), read)) {
        boolean copied = checkStoredRuns(image);
        if (hasData) {
          assertThat(copied).as("%s has runs for the kernel to copy", input.getKey()).isTrue();
        }
        for (TargetFormat format : TargetFormat.values()) {
          Path out = dir.resolve("out-" + format.cliName());
          WriteOptions options = WriteOptions.defaults().withThreads(threads);
          WrittenImages.write(image, format, out, options);
          byte[] back = WrittenImages.readBack(format, out, expected.length);
          assertThat(back).as("%s -> %s", input.getKey().getFileName(), format).isEqualTo(expected);
        }
      }
    }
  }

  /** The same disk stored in every input format that has runs the kernel can copy. */
  private Map<Path, ImageFormat> inputs(MemoryDiskImage memory) throws Exception {
    Map<Path, ImageFormat> inputs = new LinkedHashMap<>();
    Path raw = dir.resolve("in.raw");
    WrittenImages.write(memory, TargetFormat.RAW, raw, WriteOptions.defaults());
    inputs.put(raw, ImageFormat.RAW);
    Path fixed = dir.resolve("in-fixed.vhd");
    WrittenImages.write(memory, TargetFormat.VHD_FIXED, fixed, WriteOptions.defaults());
    inputs.put(fixed, ImageFormat.VHD);
    Path dynamic = dir.resolve("in-dynamic.vhd");
    WrittenImages.write(memory, TargetFormat.VHD_DYNAMIC, dynamic, WriteOptions.defaults());
    inputs.put(dynamic, ImageFormat.VHD);
    Path sparse = dir.resolve("in-sparse.vmdk");
    WrittenImages.write(memory, TargetFormat.VMDK_SPARSE, sparse, WriteOptions.defaults());
    inputs.put(sparse, ImageFormat.VMDK);
    if (QemuImg.available()) {
      Path qcow2 = dir.resolve("in.qcow2");
      QemuImg.run("convert", "-f", "raw", "-O", "qcow2", raw.toString(), qcow2.toString());
      inputs.put(qcow2, ImageFormat.QCOW2);
    }
    return inputs;
  }

  /**
   * Checks that every run {@link DiskImage#storedRuns} reports holds in the file exactly the bytes
   * the image reads there; returns whether any data extent had runs.
   */
  private static boolean checkStoredRuns(DiskImage image) throws IOException {
    boolean any = false;
    for (Extent e : image.extents()) {
      long end = Math.min(e.end(), image.virtualSize());
      if (!e.data() || end <= e.offset()) {
        continue;
      }
      List<StoredRun> runs = new ArrayList<>();
      if (!image.storedRuns(e.offset(), end - e.offset(), runs)) {
        continue;
      }
      any = true;
      long pos = e.offset();
      for (StoredRun r : runs) {
        assertThat(r.offset()).isEqualTo(pos);
        ByteBuffer stored = ByteBuffer.allocate(Math.toIntExact(r.length()));
        while (stored.hasRemaining()) {
          int n = image.storage().read(stored, r.fileOffset() + stored.position());
          assertThat(n).as("file ends inside a stored run").isPositive();
        }
        byte[] read = new byte[Math.toIntExact(r.length())];
        UnitReader.readFully(image, r.offset(), read, 0, read.length);
        assertThat(Arrays.equals(stored.array(), read))
            .as("stored run %s holds the bytes the image reads", r)
            .isTrue();
        pos = r.end();
      }
      assertThat(pos).isEqualTo(end);
    }
    return any;
  }

  @Provide
  Arbitrary<List<int[]>> runs() {
    return WriterRoundTripPropertiesTest.diskRuns(6);
  }

  @Provide
  Arbitrary<Integer> threads() {
    return Arbitraries.of(1, 3);
  }
}
