package dev.unideploy.image.write;

import java.nio.ByteBuffer;
import java.util.concurrent.ArrayBlockingQueue;

/**
 * Recycles the direct unit buffers of the copying writers. A direct buffer goes to and from the
 * file with one kernel copy each way; a heap array costs the JDK an extra copy through a temporary
 * direct buffer on every read and every write. Direct memory is outside the heap but bounded by the
 * pool: buffers in flight, at most {@code capacity} kept.
 */
public final class DirectBufferPool {
  private final int size;
  private final ArrayBlockingQueue<ByteBuffer> free;

  public DirectBufferPool(int bufferSize, int capacity) {
    this.size = bufferSize;
    this.free = new ArrayBlockingQueue<>(capacity);
  }

  /** A cleared buffer of the pool's size with undefined contents. */
  public ByteBuffer take() {
    ByteBuffer b = free.poll();
    return b != null ? b.clear() : ByteBuffer.allocateDirect(size);
  }

  /** Returns a buffer no one uses any more; dropped when the pool is full. */
  public void give(ByteBuffer b) {
    if (b != null && b.capacity() == size) {
      free.offer(b);
    }
  }
}
