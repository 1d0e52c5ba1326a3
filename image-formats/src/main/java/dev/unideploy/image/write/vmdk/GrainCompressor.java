package dev.unideploy.image.write.vmdk;

import dev.unideploy.image.write.Incompressible;
import dev.unideploy.image.write.Zeros;
import java.util.Arrays;
import java.util.zip.Deflater;

/**
 * Compresses the grains of one batch, each as its own zlib stream (RFC 1950), as the VMDK spec
 * requires for compressed grains; all-zero grains are dropped, incompressible ones stored (see
 * {@link Incompressible}). Runs on a worker thread.
 */
final class GrainCompressor {
  static final int GRAIN = 64 * 1024;

  private GrainCompressor() {}

  /**
   * Returns one entry per grain of the batch: the compressed bytes, or null for an all-zero grain.
   * Grains past {@code length} are absent; the last grain is compressed whole, zero-padded.
   */
  static byte[][] compress(byte[] batch, int length, int level) {
    int grains = (length + GRAIN - 1) / GRAIN;
    byte[][] out = new byte[grains][];
    Deflater deflater = new Deflater(level, false);
    byte[] buf = new byte[GRAIN + GRAIN / 8 + 64];
    try {
      for (int g = 0; g < grains; g++) {
        int off = g * GRAIN;
        if (Zeros.isZero(batch, off, Math.min(GRAIN, length - off))) {
          continue;
        }
        deflater.reset();
        deflater.setLevel(Incompressible.test(batch, off, GRAIN) ? 0 : level);
        deflater.setInput(batch, off, GRAIN);
        deflater.finish();
        int n = 0;
        while (!deflater.finished()) {
          if (n == buf.length) {
            buf = Arrays.copyOf(buf, buf.length * 2);
          }
          n += deflater.deflate(buf, n, buf.length - n);
        }
        out[g] = Arrays.copyOf(buf, n);
      }
    } finally {
      deflater.end();
    }
    return out;
  }
}
