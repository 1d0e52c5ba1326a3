package dev.unideploy.image.write;

import java.nio.ByteBuffer;

/**
 * A digest of a disk's data fed unit by unit, so that a writer which reads the data anyway computes
 * it on the way instead of a pass of its own. Every unit it sees starts at a multiple of 64 KiB and
 * is a multiple of 64 KiB long (the last unit of the disk excepted); units the writer skips hold
 * only zeroes.
 */
public interface UnitDigest {

  /**
   * Digests a unit's bytes (from 0 to {@code bytes}' limit, which it must not move); {@code
   * zeroPages}, when not null, marks the {@link Zeros#PAGE}-byte pages known to be zero ({@link
   * Zeros#zeroPages}). Called on worker threads, concurrently.
   */
  byte[] digest(long unitStart, ByteBuffer bytes, long[] zeroPages);

  /** Adds a unit's digest; called from one thread, in ascending unit order. */
  void add(byte[] unitDigest);

  /** {@code digest}'s digest of the first {@code length} bytes of an array, or null without one. */
  static byte[] ofArray(UnitDigest digest, long unitStart, byte[] bytes, int length) {
    return digest == null
        ? null
        : digest.digest(unitStart, ByteBuffer.wrap(bytes, 0, length), null);
  }
}
