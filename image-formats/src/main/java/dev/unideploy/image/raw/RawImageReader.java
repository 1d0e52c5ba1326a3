package dev.unideploy.image.raw;

import dev.unideploy.image.DiskImage;
import dev.unideploy.image.Extent;
import dev.unideploy.image.ImageFormat;
import dev.unideploy.image.ReadOptions;
import dev.unideploy.image.read.ExtentMapBuilder;
import dev.unideploy.image.read.SourceFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Opens raw images, and raw windows of other files, building the extent map from the file's holes
 * (when the JVM may call {@code lseek}, see {@link NativeHoleSeeker}) and from content (all-zero
 * blocks at {@link ReadOptions#zeroGranularity()}).
 */
public final class RawImageReader {
  private RawImageReader() {}

  /**
   * Whether this JVM can ask the file system for holes. When false, mapping a raw image reads all
   * of it (minutes for a 100 GiB sparse file): on Java 24 and later, start the JVM with {@code
   * --enable-native-access=ALL-UNNAMED}, as the {@code unideploy} launcher does.
   */
  public static boolean fileHolesSupported() {
    return NativeHoleSeeker.available().isPresent();
  }

  /**
   * Starts binding the native calls {@link #fileHolesSupported} needs on a background thread, and
   * returns at once. Binding them takes about 0.1 s (JNA unpacks and loads its native library); a
   * program that knows early that it will open an image can call this so the cost overlaps its own
   * start-up instead of delaying the first open. Opening waits for the binding to finish (class
   * initialisation), so calling this never changes a result.
   */
  public static void prepareFileHoles() {
    Thread t = new Thread(NativeHoleSeeker::available, "unideploy-hole-seeker-init");
    t.setDaemon(true);
    t.start();
  }

  /** Opens {@code file} as a raw disk: its size is the virtual size. */
  public static DiskImage open(SourceFile file, ReadOptions options) throws IOException {
    Map<String, Object> details = new LinkedHashMap<>();
    return openWindow(file, 0, file.size(), ImageFormat.RAW, options, details);
  }

  /**
   * Opens {@code [base, base + length)} of {@code file} as a disk of {@code length} bytes; the
   * window must lie inside the file. Adds {@code holeDetection} and {@code zeroGranularity} to
   * {@code details}, which becomes the image's details.
   */
  public static DiskImage openWindow(
      SourceFile file,
      long base,
      long length,
      ImageFormat format,
      ReadOptions options,
      Map<String, Object> details)
      throws IOException {
    file.requireInside(format.name().toLowerCase(java.util.Locale.ROOT) + " data", base, length);
    ZeroScanner.Source source = windowSource(file, base, length);
    ExtentMapBuilder map = new ExtentMapBuilder();
    ByteBuffer scratch =
        options.detectZeroContent() ? ZeroScanner.scratch(options.zeroGranularity()) : null;
    Optional<NativeHoleSeeker> seeker =
        options.useFileHoles() ? NativeHoleSeeker.available() : Optional.empty();
    boolean mapped = false;
    // Whether data ranges are scanned: always, unless holes are trusted and the first range
    // already shows a hole (a file without holes has one range, the whole window).
    boolean[] scan = {options.detectZeroContent()};
    boolean[] first = {true};
    if (seeker.isPresent()) {
      mapped =
          seeker
              .get()
              .forEachDataRange(
                  file.path(),
                  base,
                  base + length,
                  (start, end) -> {
                    if (first[0] && options.trustFileHoles()) {
                      scan[0] &= start == base && end == base + length;
                    }
                    first[0] = false;
                    addData(map, source, start - base, end - base, scan[0], options, scratch);
                  });
    }
    if (mapped && first[0] && options.trustFileHoles()) {
      scan[0] = false; // all hole: nothing was scanned
    }
    if (!mapped) {
      scan[0] = options.detectZeroContent();
      addData(map, source, 0, length, scan[0], options, scratch);
    }
    String holeDetection = mapped ? "seek-data" : "none";
    if (scan[0]) {
      holeDetection = mapped ? "seek-data+content" : "content";
    }
    List<Extent> extents = map.build(length);
    details.put("holeDetection", holeDetection);
    details.put("zeroGranularity", options.zeroGranularity());
    return new RawDiskImage(
        file, base, length, format, extents, java.util.Collections.unmodifiableMap(details));
  }

  private static void addData(
      ExtentMapBuilder map,
      ZeroScanner.Source source,
      long start,
      long end,
      boolean scan,
      ReadOptions options,
      ByteBuffer scratch)
      throws IOException {
    if (scan) {
      ZeroScanner.scan(source, start, end, options.zeroGranularity(), map, scratch);
    } else {
      map.addAt(start, end - start, true);
    }
  }

  private static ZeroScanner.Source windowSource(SourceFile file, long base, long length) {
    return (offset, dst) -> {
      int n = (int) Math.min(dst.remaining(), length - offset);
      ByteBuffer slice = dst.duplicate();
      slice.limit(slice.position() + n);
      file.readFully(base + offset, slice);
      dst.position(dst.position() + n);
      return n;
    };
  }
}
