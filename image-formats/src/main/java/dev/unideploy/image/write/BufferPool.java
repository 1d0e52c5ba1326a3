package dev.unideploy.image.write;

import java.util.concurrent.ArrayBlockingQueue;

/**
 * Recycles the unit buffers of a write. Units are 1-2 MiB, which the G1 collector treats as
 * "humongous" objects that are only reclaimed by a full young collection: reusing the few buffers
 * in flight keeps the heap flat instead of filling it between collections.
 */
public final class BufferPool {
  private final int size;
  private final ArrayBlockingQueue<byte[]> free;

  public BufferPool(int bufferSize, int capacity) {
    this.size = bufferSize;
    this.free = new ArrayBlockingQueue<>(capacity);
  }

  /** A buffer of the pool's size with undefined contents. */
  public byte[] take() {
    byte[] b = free.poll();
    return b != null ? b : new byte[size];
  }

  /** Returns a buffer no one uses any more; dropped when the pool is full. */
  public void give(byte[] b) {
    if (b != null && b.length == size) {
      free.offer(b);
    }
  }
}
