package dev.unideploy.image.raw;

import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodType;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;

/**
 * Finds the data ranges of a sparse file with {@code lseek(SEEK_DATA / SEEK_HOLE)}, called through
 * the Java 17 incubator foreign linker.
 *
 * <p>Why this approach: Java 17 NIO cannot ask the file system where the holes are, and the only
 * pure-Java alternative is to read every byte (100 GiB of zeroes for a 100 GiB sparse file, minutes
 * instead of milliseconds). FIEMAP would also need native code and is Linux-only, while
 * SEEK_DATA/SEEK_HOLE is POSIX (Linux since 3.1 on every common file system; macOS; FreeBSD). The
 * incubator API is reached by reflection, so javac neither needs {@code --add-modules} nor warns
 * about an incubating module, and nothing breaks when the module is absent: the JVM must be started
 * with {@code --add-modules jdk.incubator.foreign --enable-native-access=ALL-UNNAMED} for this
 * class to be {@linkplain #available() available}; otherwise {@link RawImageReader} falls back to
 * scanning content. The seek-based map is only a hint for speed: a region it calls data is still
 * content-scanned, and errors make the caller fall back, never return a wrong map.
 *
 * <p>The file is opened a second time with {@code open(2)} rather than taking the descriptor from
 * the {@code FileChannel}, which would need {@code --add-opens} into {@code java.base}.
 */
final class NativeHoleSeeker {

  /** Receives one data range {@code [start, end)}. */
  interface RangeConsumer {
    void accept(long start, long end) throws IOException;
  }

  private static final Optional<NativeHoleSeeker> INSTANCE = load();

  private final MethodHandle open; // int open(const char *path, int flags)
  private final MethodHandle lseek; // off_t lseek(int fd, off_t offset, int whence)
  private final MethodHandle close; // int close(int fd)
  private final Method toCString; // CLinker.toCString(String, ResourceScope)
  private final Method newConfinedScope; // ResourceScope.newConfinedScope()
  private final Method segmentAddress; // MemorySegment.address()
  private final int seekData;
  private final int seekHole;

  private NativeHoleSeeker(
      MethodHandle open,
      MethodHandle lseek,
      MethodHandle close,
      Method toCString,
      Method newConfinedScope,
      Method segmentAddress,
      int seekData,
      int seekHole) {
    this.open = open;
    this.lseek = lseek;
    this.close = close;
    this.toCString = toCString;
    this.newConfinedScope = newConfinedScope;
    this.segmentAddress = segmentAddress;
    this.seekData = seekData;
    this.seekHole = seekHole;
  }

  /** The seeker, when the platform and the JVM flags allow native calls. */
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
    int fd = openReadOnly(file);
    if (fd < 0) {
      return false;
    }
    try {
      // SEEK_HOLE from 0 always succeeds where the whence is supported (at worst it returns the
      // file size), so a failure here means "unsupported", and later SEEK_DATA failures mean
      // ENXIO: no data after that offset. Java 17's linker cannot read errno, hence this probe.
      if (seek(fd, 0, seekHole) < 0) {
        return false;
      }
      long pos = from;
      while (pos < to) {
        long data = seek(fd, pos, seekData);
        if (data < 0 || data >= to) {
          break;
        }
        long hole = seek(fd, data, seekHole);
        if (hole <= data || hole > to) {
          hole = to; // error or file grew: treat the rest as data, and never loop
        }
        consumer.accept(data, hole);
        pos = hole;
      }
      return true;
    } finally {
      closeQuietly(fd);
    }
  }

  private int openReadOnly(Path file) {
    try (AutoCloseable scope = (AutoCloseable) newConfinedScope.invoke(null)) {
      Object cPath = toCString.invoke(null, file.toAbsolutePath().toString(), scope);
      Object address = segmentAddress.invoke(cPath);
      return (int) open.invokeWithArguments(address, 0 /* O_RDONLY */);
    } catch (Throwable t) {
      return -1; // native call failed: let the caller scan content instead
    }
  }

  private long seek(int fd, long offset, int whence) {
    try {
      return (long) lseek.invokeExact(fd, offset, whence);
    } catch (Throwable t) {
      return -1;
    }
  }

  private void closeQuietly(int fd) {
    try {
      int ignored = (int) close.invokeExact(fd);
    } catch (Throwable t) {
      // nothing to do: the descriptor was read-only
    }
  }

  private static Optional<NativeHoleSeeker> load() {
    String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
    int seekData;
    int seekHole;
    if (os.contains("linux")) {
      seekData = 3; // <unistd.h> on Linux
      seekHole = 4;
    } else if (os.contains("mac") || os.contains("darwin")) {
      seekData = 4; // <sys/unistd.h> on Darwin: the other way round
      seekHole = 3;
    } else {
      return Optional.empty();
    }
    try {
      Class<?> linkerClass = Class.forName("jdk.incubator.foreign.CLinker");
      Class<?> layoutClass = Class.forName("jdk.incubator.foreign.MemoryLayout");
      Class<?> descriptorClass = Class.forName("jdk.incubator.foreign.FunctionDescriptor");
      Class<?> addressableClass = Class.forName("jdk.incubator.foreign.Addressable");
      Class<?> addressClass = Class.forName("jdk.incubator.foreign.MemoryAddress");
      Class<?> scopeClass = Class.forName("jdk.incubator.foreign.ResourceScope");
      Class<?> segmentClass = Class.forName("jdk.incubator.foreign.MemorySegment");
      Class<?> lookupClass = Class.forName("jdk.incubator.foreign.SymbolLookup");

      Object linker = linkerClass.getMethod("getInstance").invoke(null);
      Object lookup = linkerClass.getMethod("systemLookup").invoke(null);
      Method find = lookupClass.getMethod("lookup", String.class);
      Method descriptorOf = descriptorClass.getMethod("of", layoutClass, layoutClass.arrayType());
      Method downcall =
          linkerClass.getMethod(
              "downcallHandle", addressableClass, MethodType.class, descriptorClass);
      Object cInt = linkerClass.getField("C_INT").get(null);
      Object cLongLong = linkerClass.getField("C_LONG_LONG").get(null);
      Object cPointer = linkerClass.getField("C_POINTER").get(null);

      Object[] openArgs = (Object[]) java.lang.reflect.Array.newInstance(layoutClass, 2);
      openArgs[0] = cPointer;
      openArgs[1] = cInt;
      Object[] lseekArgs = (Object[]) java.lang.reflect.Array.newInstance(layoutClass, 3);
      lseekArgs[0] = cInt;
      lseekArgs[1] = cLongLong;
      lseekArgs[2] = cInt;
      Object[] closeArgs = (Object[]) java.lang.reflect.Array.newInstance(layoutClass, 1);
      closeArgs[0] = cInt;

      MethodHandle open =
          (MethodHandle)
              downcall.invoke(
                  linker,
                  symbol(find, lookup, "open"),
                  MethodType.methodType(int.class, addressClass, int.class),
                  descriptorOf.invoke(null, cInt, openArgs));
      MethodHandle lseek =
          (MethodHandle)
              downcall.invoke(
                  linker,
                  symbol(find, lookup, "lseek"),
                  MethodType.methodType(long.class, int.class, long.class, int.class),
                  descriptorOf.invoke(null, cLongLong, lseekArgs));
      MethodHandle close =
          (MethodHandle)
              downcall.invoke(
                  linker,
                  symbol(find, lookup, "close"),
                  MethodType.methodType(int.class, int.class),
                  descriptorOf.invoke(null, cInt, closeArgs));
      return Optional.of(
          new NativeHoleSeeker(
              open,
              lseek,
              close,
              linkerClass.getMethod("toCString", String.class, scopeClass),
              scopeClass.getMethod("newConfinedScope"),
              segmentClass.getMethod("address"),
              seekData,
              seekHole));
    } catch (ClassNotFoundException e) {
      return Optional.empty(); // started without --add-modules jdk.incubator.foreign
    } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
      // e.g. IllegalCallerException without --enable-native-access=ALL-UNNAMED
      return Optional.empty();
    }
  }

  private static Object symbol(Method find, Object lookup, String name)
      throws IllegalAccessException, InvocationTargetException {
    Optional<?> found = (Optional<?>) find.invoke(lookup, name);
    return found.orElseThrow(() -> new IllegalStateException("no native symbol " + name));
  }
}
