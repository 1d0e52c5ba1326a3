package dev.unideploy.it.aws.upload;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/** Raw test images: random data regions, explicit zero regions and holes, and their blocks. */
final class TestImages {
  static final int BLOCK = EbsCheckingProxy.BLOCK;

  private TestImages() {}

  /**
   * Writes a sparse raw image of {@code size} bytes: random data in about {@code dataFraction} of
   * it (runs of 1 to 8 blocks, some not block-aligned), some runs written as explicit zero bytes
   * (allocated but zero: only content-aware detection skips them), the rest holes.
   */
  static Path write(Path file, long size, double dataFraction, long seed) throws IOException {
    Random random = new Random(seed);
    try (FileChannel ch =
        FileChannel.open(
            file,
            StandardOpenOption.CREATE,
            StandardOpenOption.WRITE,
            StandardOpenOption.TRUNCATE_EXISTING)) {
      ch.truncate(0);
      long pos = 0;
      while (pos < size) {
        long run = (1 + random.nextInt(8)) * (long) BLOCK;
        if (random.nextInt(7) == 0) {
          run += 1 + random.nextInt(BLOCK - 1); // unaligned end
        }
        run = Math.min(run, size - pos);
        double roll = random.nextDouble();
        if (roll < dataFraction) {
          byte[] data = new byte[(int) run];
          random.nextBytes(data);
          write(ch, pos, data);
        } else if (roll < dataFraction + 0.05) {
          write(ch, pos, new byte[(int) run]); // allocated zeroes
        }
        pos += run;
      }
      // The file's size is the virtual size even when it ends in a hole.
      if (ch.size() < size) {
        write(ch, size - 1, new byte[1]);
      }
    }
    return file;
  }

  private static void write(FileChannel ch, long pos, byte[] data) throws IOException {
    ByteBuffer buf = ByteBuffer.wrap(data);
    while (buf.hasRemaining()) {
      ch.write(buf, pos + buf.position());
    }
  }

  /** Indexes of the 512 KiB blocks of {@code file} that hold a non-zero byte. */
  static List<Integer> nonZeroBlocks(Path file) throws IOException {
    List<Integer> out = new ArrayList<>();
    byte[] zero = new byte[BLOCK];
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      long size = ch.size();
      for (int i = 0; (long) i * BLOCK < size; i++) {
        if (!Arrays.equals(block(ch, i), zero)) {
          out.add(i);
        }
      }
    }
    return out;
  }

  /** Block {@code index} of the file, zero-padded past its end. */
  static byte[] block(FileChannel ch, int index) throws IOException {
    byte[] b = new byte[BLOCK];
    ByteBuffer buf = ByteBuffer.wrap(b);
    long pos = (long) index * BLOCK;
    while (buf.hasRemaining()) {
      int n = ch.read(buf, pos + buf.position());
      if (n < 0) {
        break;
      }
    }
    return b;
  }
}
