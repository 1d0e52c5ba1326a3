package dev.unideploy.image.write.gce;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Cuts the tar stream, described as pieces (literal header bytes, data ranges of the disk, runs of
 * zeroes), into fixed-size chunks for parallel compression. Walking a 16 GiB run of zeroes costs
 * one list entry per chunk and no reads.
 */
final class TarStreamChunker {

  /** Part of the stream. */
  sealed interface Piece permits Literal, DiskRange, ZeroRun {
    long length();
  }

  record Literal(byte[] bytes, int offset, int count) implements Piece {
    @Override
    public long length() {
      return count;
    }

    Literal(byte[] bytes) {
      this(bytes, 0, bytes.length);
    }
  }

  /** Bytes {@code [offset, offset + length)} of the virtual disk, all inside data extents. */
  record DiskRange(long offset, long length) implements Piece {}

  record ZeroRun(long length) implements Piece {}

  /** Receives each full chunk (and the last, shorter one). */
  @FunctionalInterface
  interface ChunkSink {
    void chunk(List<Piece> pieces, int length) throws IOException;
  }

  private final int chunkSize;
  private final ChunkSink sink;
  private List<Piece> current = new ArrayList<>();
  private int filled;

  TarStreamChunker(int chunkSize, ChunkSink sink) {
    this.chunkSize = chunkSize;
    this.sink = sink;
  }

  void add(Piece piece) throws IOException {
    long done = 0;
    long total = piece.length();
    while (done < total) {
      int n = (int) Math.min(total - done, chunkSize - filled);
      current.add(slice(piece, done, n));
      filled += n;
      done += n;
      if (filled == chunkSize) {
        emit();
      }
    }
  }

  void finish() throws IOException {
    if (filled > 0) {
      emit();
    }
  }

  private void emit() throws IOException {
    List<Piece> pieces = current;
    int length = filled;
    current = new ArrayList<>();
    filled = 0;
    sink.chunk(pieces, length);
  }

  private static Piece slice(Piece p, long from, int n) {
    if (from == 0 && n == p.length()) {
      return p;
    }
    if (p instanceof Literal l) {
      return new Literal(l.bytes(), l.offset() + (int) from, n);
    }
    if (p instanceof DiskRange r) {
      return new DiskRange(r.offset() + from, n);
    }
    return new ZeroRun(n);
  }
}
