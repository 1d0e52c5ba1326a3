package dev.unideploy.image.write;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.unideploy.image.StoredRun;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Joining consecutive kernel copies: fewer calls, the same bytes in the same places. */
class KernelCopyTest {
  private static final int GRAIN = 64 << 10;

  @TempDir Path dir;

  @Test
  void grainsThatContinueInFileAndOutputAreOneCall() throws IOException {
    byte[] data = random(16 * GRAIN);
    Path dst = dir.resolve("dst");
    // 16 grains handed over one by one, as the sparse VMDK writer does; the file is one run.
    List<StoredRun> runs = List.of(new StoredRun(0, 0, data.length));
    int calls =
        copy(
            write("src", data),
            dst,
            copy -> {
              for (int g = 0; g < 16; g++) {
                copy.add(runs, (long) g * GRAIN, (long) (g + 1) * GRAIN, 4096 + (long) g * GRAIN);
              }
            });
    assertThat(calls).isEqualTo(1);
    byte[] back = Files.readAllBytes(dst);
    assertThat(back).hasSize(4096 + data.length);
    assertThat(slice(back, 4096, data.length)).isEqualTo(data);
    assertThat(slice(back, 0, 4096)).isEqualTo(new byte[4096]);
  }

  @Test
  void aGapInTheFileOrInTheOutputStartsANewCall() throws IOException {
    byte[] data = random(4 * GRAIN);
    Path dst = dir.resolve("dst");
    // disk [0, 2 grains) is file [2, 4 grains), disk [2, 4 grains) is file [0, 2 grains)
    List<StoredRun> swapped =
        List.of(new StoredRun(0, 2L * GRAIN, 2L * GRAIN), new StoredRun(2L * GRAIN, 0, 2L * GRAIN));
    List<StoredRun> last = List.of(new StoredRun(4L * GRAIN, 0, GRAIN));
    int calls =
        copy(
            write("src", data),
            dst,
            copy -> {
              copy.add(swapped, 0, 4L * GRAIN, 0); // the file jumps back between the runs
              copy.add(last, 4L * GRAIN, 5L * GRAIN, 6L * GRAIN); // the output skips a grain
            });
    assertThat(calls).isEqualTo(3);
    byte[] back = Files.readAllBytes(dst);
    assertThat(slice(back, 0, 2 * GRAIN)).isEqualTo(slice(data, 2 * GRAIN, 2 * GRAIN));
    assertThat(slice(back, 2 * GRAIN, 2 * GRAIN)).isEqualTo(slice(data, 0, 2 * GRAIN));
    assertThat(slice(back, 4 * GRAIN, 2 * GRAIN)).isEqualTo(new byte[2 * GRAIN]);
    assertThat(slice(back, 6 * GRAIN, GRAIN)).isEqualTo(slice(data, 0, GRAIN));
  }

  @Test
  void aJoinedCopyStopsGrowingAtTheLimit() throws IOException {
    long size = KernelCopy.MAX_PENDING + 2L * GRAIN;
    Path src = dir.resolve("src");
    try (FileChannel f = open(src)) {
      f.write(ByteBuffer.wrap(new byte[] {7}), size - 1);
    }
    Path dst = dir.resolve("dst");
    List<StoredRun> runs = List.of(new StoredRun(0, 0, size));
    int calls =
        copy(
            src,
            dst,
            copy -> {
              for (long at = 0; at < size; at += GRAIN) {
                copy.add(runs, at, at + GRAIN, at);
              }
            });
    assertThat(calls).isEqualTo(2);
    assertThat(Files.size(dst)).isEqualTo(size);
  }

  @Test
  void aFileShorterThanItsRunsIsAnErrorThatSaysWhatToDo() throws IOException {
    Path src = write("src", random(GRAIN));
    try (FileChannel in = FileChannel.open(src);
        FileChannel out = open(dir.resolve("dst"))) {
      KernelCopy copy = new KernelCopy(in, out);
      copy.add(List.of(new StoredRun(0, 0, 2L * GRAIN)), 0, 2L * GRAIN, 0);
      assertThatThrownBy(copy::flush)
          .isInstanceOf(IOException.class)
          .hasMessageContaining("truncated or was changed")
          .hasMessageContaining("convert again");
    }
  }

  /** What a test hands to the copier. */
  private interface Steps {
    void run(KernelCopy copy) throws IOException;
  }

  /** Runs {@code steps} on a copier from {@code src} to {@code dst}, flushes, returns its calls. */
  private static int copy(Path src, Path dst, Steps steps) throws IOException {
    try (FileChannel in = FileChannel.open(src);
        FileChannel out = open(dst)) {
      KernelCopy copy = new KernelCopy(in, out);
      steps.run(copy);
      copy.flush();
      return copy.calls();
    }
  }

  private Path write(String name, byte[] data) throws IOException {
    return Files.write(dir.resolve(name), data);
  }

  private static FileChannel open(Path p) throws IOException {
    return FileChannel.open(
        p, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
  }

  private static byte[] random(int n) {
    byte[] b = new byte[n];
    new Random(n).nextBytes(b);
    return b;
  }

  private static byte[] slice(byte[] b, int from, int n) {
    byte[] s = new byte[n];
    System.arraycopy(b, from, s, 0, n);
    return s;
  }
}
