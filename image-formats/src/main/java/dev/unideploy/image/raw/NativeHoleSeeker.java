package dev.unideploy.image.raw;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;
import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.charset.Charset;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Finds the data ranges of a sparse file with {@code lseek(SEEK_DATA / SEEK_HOLE)}, called through
 * JNA.
 *
 * <p>Why native code: Java NIO cannot ask the file system where the holes are, and the only
 * pure-Java alternative is to read every byte (100 GiB of zeroes for a 100 GiB sparse file, minutes
 * instead of milliseconds). SEEK_DATA/SEEK_HOLE is POSIX (Linux since 3.1 on every common file
 * system; macOS; FreeBSD), unlike FIEMAP.
 *
 * <p>Why JNA on every JDK rather than {@code java.lang.foreign} where it exists (22+): one code
 * path for 17..25, and the numbers do not ask for two. Measured on this project's 2-core machine
 * (binding open/lseek/close, then calls, 3 runs each): JNA 5.19 binds in 107-119 ms on Java 17 and
 * 25, the Java 25 foreign linker in 77-99 ms plus 9-15 ms for its first calls; a call costs 434-467
 * ns with JNA and 325-333 ns with the linker, of which ~300 ns is the system call. A map takes two
 * calls per data range, so the difference stays below 0.03 s for any real image, and the binding
 * overlaps start-up ({@link RawImageReader#prepareFileHoles}).
 *
 * <p>Java 24+ warns on standard error when a library loads native code without native access
 * granted (JEP 472, https://openjdk.org/jeps/472). Rather than print that warning, this class then
 * stays unavailable and raw images are mapped by content: {@code ./unideploy} and the tests pass
 * {@code --enable-native-access=ALL-UNNAMED} (a jar run with {@code java -jar} may instead carry
 * {@code Enable-Native-Access: ALL-UNNAMED} in its manifest).
 *
 * <p>The seek-based map never calls data a hole: a region it calls data may still hold zeroes,
 * which the content scan finds (unless the caller trusts a sparse file's holes, {@link
 * dev.unideploy.image.ReadOptions#trustFileHoles()}), and errors make the caller fall back, never
 * return a wrong map. The file is opened a second time with {@code open(2)} rather than taking the
 * descriptor from the {@code FileChannel}, which would need {@code --add-opens} into {@code
 * java.base}.
 */
final class NativeHoleSeeker {

  /** Receives one data range {@code [start, end)}. */
  interface RangeConsumer {
    void accept(long start, long end) throws IOException;
  }

  private static final int O_RDONLY = 0;
  private static final int ENXIO = 6; // the same on Linux, macOS and the BSDs

  private static final Optional<NativeHoleSeeker> INSTANCE = load();

  private final int seekData;
  private final int seekHole;
  private final Charset pathCharset;

  private NativeHoleSeeker(int seekData, int seekHole, Charset pathCharset) {
    this.seekData = seekData;
    this.seekHole = seekHole;
    this.pathCharset = pathCharset;
  }

  /** The seeker, when the platform and the JVM allow native calls. */
  static Optional<NativeHoleSeeker> available() {
    return INSTANCE;
  }

  /**
   * Calls {@code consumer} for each data range of {@code file} inside {@code [from, to)}, in order.
   *
   * @return false when the file system cannot report holes (the caller must scan instead)
   */
  boolean forEachDataRange(Path file, long from, long to, RangeConsumer consumer)
      throws IOException {
    int fd;
    try {
      fd = LibC.open(cString(file), O_RDONLY);
    } catch (LastErrorException | LinkageError e) {
      return false; // the caller reads the file through Java and reports any real problem
    }
    try {
      // Probe before reporting anything: EINVAL here means the file system (or an old kernel)
      // does not support the whence values, and the caller must scan from the start.
      try {
        LibC.lseek(fd, 0, seekHole);
      } catch (LastErrorException e) {
        return false;
      }
      long pos = from;
      while (pos < to) {
        long data;
        try {
          data = LibC.lseek(fd, pos, seekData);
        } catch (LastErrorException e) {
          if (e.getErrorCode() == ENXIO) {
            break; // no data after pos
          }
          data = pos; // unexpected: call the rest data, which is always correct
        }
        if (data >= to) {
          break;
        }
        long hole;
        try {
          hole = LibC.lseek(fd, data, seekHole);
        } catch (LastErrorException e) {
          hole = to;
        }
        if (hole <= data || hole > to) {
          hole = to; // the file grew or an error: treat the rest as data, and never loop
        }
        consumer.accept(data, hole);
        pos = hole;
      }
      return true;
    } finally {
      try {
        LibC.close(fd);
      } catch (LastErrorException e) {
        // nothing to do: the descriptor was read-only
      }
    }
  }

  private byte[] cString(Path file) {
    byte[] name = file.toAbsolutePath().toString().getBytes(pathCharset);
    byte[] c = new byte[name.length + 1];
    System.arraycopy(name, 0, c, 0, name.length);
    return c;
  }

  private static Optional<NativeHoleSeeker> load() {
    int seekData;
    int seekHole;
    if (Platform.isLinux() || Platform.isAndroid()) {
      seekData = 3; // <unistd.h> on Linux
      seekHole = 4;
    } else if (Platform.isMac()) {
      seekData = 4; // <sys/unistd.h> on Darwin: the other way round
      seekHole = 3;
    } else {
      return Optional.empty();
    }
    if (!Platform.is64Bit() || !nativeAccessGranted()) {
      return Optional.empty(); // off_t as a Java long needs LP64; see the class comment on access
    }
    try {
      Native.register(LibC.class, NativeLibrary.getInstance(Platform.C_LIBRARY_NAME));
      return Optional.of(new NativeHoleSeeker(seekData, seekHole, filenameCharset()));
    } catch (LinkageError | RuntimeException e) {
      // No JNA native library for this platform, or it could not be unpacked (a read-only or
      // noexec temporary folder): raw images are mapped by content instead.
      return Optional.empty();
    }
  }

  /**
   * Whether loading JNA's native library may go ahead without the JVM printing a warning: always
   * before Java 24, where loading a library is not restricted; from 24, only when the module that
   * loads it (JNA's: the class path's unnamed module, or {@code com.sun.jna}) was granted native
   * access ({@code Module.isNativeAccessEnabled}, Java 22+, reached by reflection for --release
   * 17).
   */
  private static boolean nativeAccessGranted() {
    if (Runtime.version().feature() < 24) {
      return true;
    }
    try {
      Method enabled = Module.class.getMethod("isNativeAccessEnabled");
      // Not initialised: initialising it loads the library, which is what this check decides.
      Class<?> jna =
          Class.forName("com.sun.jna.Native", false, NativeHoleSeeker.class.getClassLoader());
      return (Boolean) enabled.invoke(jna.getModule());
    } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
      return false;
    }
  }

  /** The charset the JDK itself uses for file names (sun.jnu.encoding), as open(2) expects. */
  private static Charset filenameCharset() {
    String name = System.getProperty("sun.jnu.encoding");
    try {
      return name != null ? Charset.forName(name) : Charset.defaultCharset();
    } catch (RuntimeException e) {
      return Charset.defaultCharset();
    }
  }

  /**
   * The three libc calls, bound by JNA's direct mapping
   * (https://github.com/java-native-access/jna/blob/master/www/DirectMapping.md): the fastest JNA
   * calls, and {@link LastErrorException} carries errno.
   */
  private static final class LibC {
    private LibC() {}

    static native int open(byte[] path, int flags) throws LastErrorException;

    static native long lseek(int fd, long offset, int whence) throws LastErrorException;

    static native int close(int fd) throws LastErrorException;
  }
}
