package dev.unideploy.image.qcow2;

import dev.unideploy.image.ImageFormatException;
import io.airlift.compress.zstd.ZstdDecompressor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Inflates one compressed qcow2 cluster: raw deflate (no zlib header, as qemu writes it) or, with
 * compression_type 1, one zstd frame. The stored range is rounded up to whole sectors, so bytes
 * after the stream are ignored; the output must fill the cluster exactly, as qemu requires.
 */
final class Qcow2ClusterDecompressor {
  private final Path path;
  private final int compressionType;
  private final int clusterSize;

  Qcow2ClusterDecompressor(Path path, int compressionType, int clusterSize) {
    this.path = path;
    this.compressionType = compressionType;
    this.clusterSize = clusterSize;
  }

  byte[] decompress(byte[] compressed, long hostOffset) throws ImageFormatException {
    byte[] out = new byte[clusterSize];
    int produced;
    try {
      produced = compressionType == 0 ? inflate(compressed, out) : unzstd(compressed, out);
    } catch (DataFormatException | IOException | RuntimeException e) {
      // The decoders throw unchecked exceptions on some malformed input; all mean "corrupt".
      throw ImageFormatException.at(
          path,
          "qcow2 compressed cluster",
          hostOffset,
          "corrupt "
              + name()
              + " data ("
              + e.getMessage()
              + "); the image is damaged: convert it"
              + " again from its source",
          e);
    }
    if (produced != clusterSize) {
      throw ImageFormatException.at(
          path,
          "qcow2 compressed cluster",
          hostOffset,
          name()
              + " data decompresses to "
              + produced
              + " bytes instead of "
              + clusterSize
              + "; the image is damaged: convert it again from its source");
    }
    return out;
  }

  private String name() {
    return compressionType == 0 ? "deflate" : "zstd";
  }

  private static int inflate(byte[] compressed, byte[] out) throws DataFormatException {
    Inflater inflater = new Inflater(true);
    try {
      inflater.setInput(compressed);
      int produced = 0;
      // Each pass either fills output or stops: no input can make this loop spin.
      for (int pass = 0; pass < 4 && produced < out.length; pass++) {
        int n = inflater.inflate(out, produced, out.length - produced);
        produced += n;
        if (n == 0
            && (inflater.finished() || inflater.needsInput() || inflater.needsDictionary())) {
          break;
        }
      }
      return produced;
    } finally {
      inflater.end();
    }
  }

  private int unzstd(byte[] compressed, byte[] out) throws IOException {
    // The stored range holds one frame plus whatever follows it up to the sector boundary, and a
    // zstd decoder takes trailing bytes for a next frame: decode exactly the first frame.
    int frame = ZstdFrameLength.of(compressed);
    return new ZstdDecompressor().decompress(compressed, 0, frame, out, 0, out.length);
  }
}
