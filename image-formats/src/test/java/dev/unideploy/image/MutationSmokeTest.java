package dev.unideploy.image;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.unideploy.image.readtest.CraftedImages;
import dev.unideploy.image.readtest.CraftedTarballs;
import dev.unideploy.image.readtest.FuzzHarness;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A seeded, deterministic mutation fuzzer that runs in every build: thousands of structure-aware
 * mutants of each crafted image (bit flips, interesting integers at field-aligned offsets,
 * truncations, copied sectors) must each end cleanly or in an ImageFormatException.
 */
class MutationSmokeTest {
  private static final int MUTANTS = 600;
  private static final long[] INTERESTING = {
    0,
    1,
    -1,
    0x7f,
    0x80,
    0xff,
    0x7fff_ffffL,
    0x8000_0000L,
    0xffff_ffffL,
    1L << 32,
    1L << 62,
    Long.MAX_VALUE,
    Long.MIN_VALUE,
    511,
    512,
    4096,
    65536
  };

  static Stream<Arguments> bases() {
    return Stream.of(
        Arguments.of("qcow2-v3", ImageFormat.QCOW2, CraftedImages.qcow2(3, false).file()),
        Arguments.of("qcow2-zstd", ImageFormat.QCOW2, CraftedImages.qcow2(3, true).file()),
        Arguments.of("qcow2-v2", ImageFormat.QCOW2, CraftedImages.qcow2(2, false).file()),
        Arguments.of(
            "qcow2-compressed",
            ImageFormat.QCOW2,
            CraftedImages.qcow2Compressed(12, 8, false).file()),
        Arguments.of("vmdk-sparse", ImageFormat.VMDK, CraftedImages.vmdkSparse().file()),
        Arguments.of("vmdk-stream", ImageFormat.VMDK, CraftedImages.vmdkStream().file()),
        Arguments.of("vhd-dynamic", ImageFormat.VHD, CraftedImages.vhdDynamic().file()),
        Arguments.of("vhd-fixed", ImageFormat.VHD, CraftedImages.vhdFixed().file()),
        Arguments.of("detected", null, CraftedImages.vmdkStream().file()));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("bases")
  void mutantsEndCleanly(String name, ImageFormat format, byte[] base) {
    Random random = new Random(name.hashCode());
    assertTimeoutPreemptively(
        Duration.ofSeconds(60),
        () -> {
          for (int i = 0; i < MUTANTS; i++) {
            byte[] mutant = mutate(base, random);
            try {
              FuzzHarness.run(format, mutant);
            } catch (RuntimeException | Error e) {
              throw new AssertionError(name + " mutant " + i + " failed: " + e, e);
            }
          }
        });
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("tarballs")
  void tarballMutantsEndCleanly(String name, byte[] tar) {
    // Mutating the gzip'd bytes mostly breaks the CRC; mutate the tar, then gzip it.
    Random random = new Random(name.hashCode());
    assertTimeoutPreemptively(
        Duration.ofSeconds(60),
        () -> {
          for (int i = 0; i < MUTANTS / 4; i++) {
            byte[] mutant = CraftedTarballs.gzip(mutate(tar, random));
            try {
              FuzzHarness.runGceTarball(mutant);
            } catch (RuntimeException | Error e) {
              throw new AssertionError(name + " mutant " + i + " failed: " + e, e);
            }
          }
        });
  }

  static Stream<Arguments> tarballs() {
    return Stream.of(
        Arguments.of("gce-sparse", gunzip(CraftedTarballs.sparse().file())),
        Arguments.of("gce-regular", gunzip(CraftedTarballs.regular().file())));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("descriptors")
  void descriptorMutantsEndCleanly(String name, byte[] base) {
    Random random = new Random(name.hashCode());
    assertTimeoutPreemptively(
        Duration.ofSeconds(60),
        () -> {
          for (int i = 0; i < MUTANTS / 4; i++) {
            try {
              FuzzHarness.runVmdkDescriptor(mutate(base, random));
            } catch (RuntimeException | Error e) {
              throw new AssertionError(name + " mutant " + i + " failed: " + e, e);
            }
          }
        });
  }

  static Stream<Arguments> descriptors() {
    return Stream.of(Arguments.of("vmdk-descriptor", FuzzHarness.FLAT_DESCRIPTOR));
  }

  private static byte[] gunzip(byte[] gz) {
    try (java.util.zip.GZIPInputStream in =
        new java.util.zip.GZIPInputStream(new java.io.ByteArrayInputStream(gz))) {
      return in.readAllBytes();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static byte[] mutate(byte[] base, Random random) {
    byte[] m = base.clone();
    int ops = 1 + random.nextInt(3);
    for (int op = 0; op < ops; op++) {
      switch (random.nextInt(5)) {
        case 0 -> m[random.nextInt(m.length)] ^= (byte) (1 << random.nextInt(8));
        case 1 -> {
          int at = random.nextInt(m.length / 4) * 4;
          long v = INTERESTING[random.nextInt(INTERESTING.length)];
          ByteBuffer b = ByteBuffer.wrap(m);
          if (random.nextBoolean()) {
            b.order(java.nio.ByteOrder.LITTLE_ENDIAN);
          }
          if (random.nextBoolean() && at + 8 <= m.length) {
            b.putLong(at, v);
          } else if (at + 4 <= m.length) {
            b.putInt(at, (int) v);
          }
        }
        case 2 -> m = Arrays.copyOf(m, Math.max(1, m.length - 1 - random.nextInt(m.length)));
        case 3 -> {
          int sectors = m.length / 512;
          if (sectors >= 2) {
            int from = random.nextInt(sectors) * 512;
            int to = random.nextInt(sectors) * 512;
            System.arraycopy(m.clone(), from, m, to, 512);
          }
        }
        default -> {
          int at = random.nextInt(m.length);
          for (int k = at; k < Math.min(m.length, at + 1 + random.nextInt(64)); k++) {
            m[k] = (byte) random.nextInt();
          }
        }
      }
    }
    return m;
  }
}
