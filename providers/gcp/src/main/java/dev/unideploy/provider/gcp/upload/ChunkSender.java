package dev.unideploy.provider.gcp.upload;

import dev.unideploy.provider.gcp.api.HttpStatusException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;

/**
 * Sends the chunks of one resumable session (one part object) in order, on its own thread, so the
 * next chunk is compressed while this one is on the wire. A chunk that fails with a transient error
 * is retried from the offset the service says it persisted (it may keep part of a chunk), with
 * exponential backoff; every fully acknowledged chunk is reported so the journal records it.
 *
 * <p>At most {@code buffers} chunk buffers exist: the writer blocks when the network is slower than
 * compression, so memory stays bounded whatever the image size.
 */
final class ChunkSender implements AutoCloseable {
  /**
   * A chunk to send: {@code len} bytes at {@code offset} in the object; the last one knows the
   * object's {@code total} and its CRC32C ({@code objectCrc}), which the service checks. {@code
   * streamCrc} is the tarball stream's CRC32C up to the chunk's end, for the journal.
   */
  record Chunk(
      long offset,
      byte[] data,
      int len,
      boolean last,
      long total,
      long streamCrc,
      long objectCrc) {}

  /** Object offset and stream CRC32C up to it, once the service acknowledged everything before. */
  record Ack(long offset, long crc32c) {}

  private final ResumableUpload protocol;
  private final URI session;
  private final int maxAttempts;
  private final Consumer<Ack> acknowledged;
  private final BlockingQueue<Chunk> queue = new ArrayBlockingQueue<>(1);
  private final BlockingQueue<byte[]> free;
  private final Thread thread;
  private volatile Throwable failure;
  private volatile ResumableUpload.Status finished;
  private long bytesSent;
  private long bytesResent;
  private long highWater;

  /**
   * @param free the chunk buffers, shared by the parts' senders one after the other (two of them:
   *     one queued, one on the wire); a sender gives every buffer back once its chunk is sent
   */
  ChunkSender(
      ResumableUpload protocol,
      URI session,
      BlockingQueue<byte[]> free,
      int maxAttempts,
      long startOffset,
      Consumer<Ack> acknowledged) {
    this.highWater = startOffset;
    this.protocol = protocol;
    this.session = session;
    this.maxAttempts = maxAttempts;
    this.acknowledged = acknowledged;
    this.free = free;
    this.thread = new Thread(this::run, "gcs-chunk-sender");
    thread.setDaemon(true);
    thread.start();
  }

  /** A buffer to fill; blocks while both are in use (one queued, one on the wire). */
  byte[] buffer() throws IOException {
    try {
      while (true) {
        checkFailure();
        byte[] b = free.poll(100, java.util.concurrent.TimeUnit.MILLISECONDS);
        if (b != null) {
          return b;
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while uploading");
    }
  }

  void submit(Chunk chunk) throws IOException {
    try {
      while (!queue.offer(chunk, 100, java.util.concurrent.TimeUnit.MILLISECONDS)) {
        checkFailure();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while uploading");
    }
  }

  /** Waits for the last chunk's answer: the object Cloud Storage made. */
  ResumableUpload.Status awaitFinished() throws IOException {
    try {
      thread.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while uploading");
    }
    checkFailure();
    if (finished == null) {
      throw new IOException("the upload ended without its last chunk");
    }
    return finished;
  }

  long bytesSent() {
    return bytesSent;
  }

  /**
   * Bytes this run sent more than once: a chunk retried or cut short, from the offset the service
   * had persisted.
   */
  long bytesResent() {
    return bytesResent;
  }

  private void checkFailure() throws IOException {
    Throwable f = failure;
    if (f instanceof IOException io) {
      throw io;
    }
    if (f instanceof RuntimeException r) {
      throw r;
    }
    if (f != null) {
      throw new IOException(f);
    }
  }

  private void run() {
    try {
      while (true) {
        Chunk c = queue.take();
        send(c);
        if (c.data().length > 0) { // not the empty array that finishes a part without data
          free.offer(c.data());
        }
        if (c.last()) {
          return;
        }
        acknowledged.accept(new Ack(c.offset() + c.len(), c.streamCrc()));
      }
    } catch (InterruptedException e) {
      failure = new InterruptedIOException("interrupted while uploading");
    } catch (Throwable t) {
      failure = t;
    }
  }

  private void send(Chunk c) throws IOException, InterruptedException {
    long end = c.offset() + c.len();
    long at = c.offset();
    int attempt = 0;
    while (true) {
      int from = (int) (at - c.offset());
      bytesSent += end - at;
      bytesResent += Math.max(0, Math.min(end, highWater) - at);
      highWater = Math.max(highWater, end);
      try {
        ResumableUpload.Status s =
            protocol.put(
                session,
                at,
                c.data(),
                from,
                c.len() - from,
                c.last() ? c.total() : -1,
                c.last() ? Crc32cText.base64(c.objectCrc()) : null);
        if (s.complete()) {
          if (!c.last()) {
            throw new IOException("Cloud Storage finished the object before its last chunk");
          }
          finished = s;
          return;
        }
        if (s.persisted() >= end) {
          return;
        }
        // The service kept only part of the chunk: send the rest (not an error, no backoff).
        at = Math.max(c.offset(), s.persisted());
        attempt = 0;
      } catch (ResumableUpload.SessionGoneException e) {
        throw e;
      } catch (IOException e) {
        if (e instanceof HttpStatusException se && !se.isTransient()) {
          throw e;
        }
        if (++attempt >= maxAttempts) {
          throw new IOException(
              "a chunk at offset " + at + " failed " + attempt + " times: " + e.getMessage(), e);
        }
        sleep(attempt);
        long persisted = persisted();
        if (persisted > end) {
          throw new IOException(
              "Cloud Storage holds more than was sent (" + persisted + " > " + end + ")");
        }
        at = Math.max(c.offset(), persisted);
      }
    }
  }

  private long persisted() throws IOException, InterruptedException {
    for (int attempt = 1; ; attempt++) {
      try {
        return protocol.query(session).persisted();
      } catch (ResumableUpload.SessionGoneException e) {
        throw e;
      } catch (IOException e) {
        if (attempt >= maxAttempts) {
          throw e;
        }
        sleep(attempt);
      }
    }
  }

  private static void sleep(int attempt) throws InterruptedException {
    long cap = Duration.ofSeconds(32).toMillis();
    long base = Math.min(cap, 250L << Math.min(attempt, 10));
    Thread.sleep(ThreadLocalRandom.current().nextLong(base / 2, base + 1));
  }

  @Override
  public void close() {
    thread.interrupt();
  }
}
