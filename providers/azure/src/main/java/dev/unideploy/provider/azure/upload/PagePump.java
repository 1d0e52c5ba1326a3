package dev.unideploy.provider.azure.upload;

import dev.unideploy.image.DiskImage;
import dev.unideploy.pipeline.UnideployException;
import dev.unideploy.pipeline.events.EventSink;
import dev.unideploy.pipeline.events.ProgressEvent;
import dev.unideploy.provider.azure.core.AzureErrors;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Reads the candidate 4 MiB windows of a disk in order, trims each to its first and last non-zero
 * 512-byte page (an all-zero window is never sent), and sends the rest as Put Page calls, {@code
 * concurrency} at a time. Memory is bounded: the reader waits for one of {@code concurrency + 1}
 * pooled 4 MiB buffers before it reads the next window.
 */
final class PagePump {
  /** What one pass did: calls made, bytes sent, windows found all zero, and the ranges written. */
  record Outcome(long calls, long bytes, long zeroWindows, List<long[]> written) {}

  private static final long PROGRESS_EVERY_NANOS = TimeUnit.MILLISECONDS.toNanos(250);

  private final PageWriter writer;
  private final EventSink events;
  private final int concurrency;

  PagePump(PageWriter writer, EventSink events, int concurrency) {
    this.writer = writer;
    this.events = events;
    this.concurrency = concurrency;
  }

  /**
   * Sends every window of {@code candidates} not in {@code acknowledged}; calls {@code onAck} with
   * each window the service acknowledged (from the sending threads).
   */
  Outcome run(
      DiskImage disk,
      BitSet candidates,
      BitSet acknowledged,
      java.util.function.IntConsumer onAck) {
    BitSet todo = (BitSet) candidates.clone();
    todo.andNot(acknowledged);
    long total = (long) todo.cardinality() * PagePlan.WINDOW;
    BlockingQueue<byte[]> pool = new ArrayBlockingQueue<>(concurrency + 1);
    for (int i = 0; i <= concurrency; i++) {
      pool.add(new byte[PagePlan.WINDOW]);
    }
    ExecutorService senders = Executors.newFixedThreadPool(concurrency, PagePump::daemon);
    AtomicReference<Throwable> failure = new AtomicReference<>();
    AtomicLong calls = new AtomicLong();
    AtomicLong bytes = new AtomicLong();
    AtomicLong done = new AtomicLong();
    AtomicLong lastProgress = new AtomicLong(System.nanoTime());
    long zero = 0;
    List<long[]> written = new ArrayList<>();
    try {
      for (int w = todo.nextSetBit(0);
          w >= 0 && failure.get() == null;
          w = todo.nextSetBit(w + 1)) {
        byte[] buf = take(pool, failure);
        if (buf == null) {
          break;
        }
        long offset = (long) w * PagePlan.WINDOW;
        read(disk, offset, buf);
        int[] span = PagePlan.trim(buf, PagePlan.WINDOW);
        if (span == null) {
          zero++;
          pool.add(buf);
          onAck.accept(w);
          progress(done.addAndGet(PagePlan.WINDOW), total, lastProgress);
          continue;
        }
        if (span[0] > 0) {
          System.arraycopy(buf, span[0], buf, 0, span[1] - span[0]);
        }
        int length = span[1] - span[0];
        long at = offset + span[0];
        synchronized (written) {
          written.add(new long[] {at, at + length});
        }
        int window = w;
        senders.execute(
            () -> {
              try {
                if (failure.get() == null) {
                  writer.putPages(at, buf, length);
                  calls.incrementAndGet();
                  bytes.addAndGet(length);
                  onAck.accept(window);
                  progress(done.addAndGet(PagePlan.WINDOW), total, lastProgress);
                }
              } catch (Throwable t) {
                failure.compareAndSet(null, t);
              } finally {
                pool.add(buf);
              }
            });
      }
    } catch (IOException e) {
      failure.compareAndSet(null, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      failure.compareAndSet(null, e);
    } finally {
      senders.shutdown();
      try {
        while (!senders.awaitTermination(1, TimeUnit.SECONDS)) {
          // in-flight calls are bounded by the client's timeouts; their acks must reach the journal
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        senders.shutdownNow();
        failure.compareAndSet(null, e);
      }
    }
    Throwable t = failure.get();
    if (t != null) {
      if (t instanceof InterruptedException) {
        throw new UnideployException("upload interrupted; re-run to resume it", t);
      }
      throw new UnideployException(
          "writing pages failed: "
              + AzureErrors.describe(t)
              + "; re-run to resume (pages already acknowledged are not sent again)",
          t);
    }
    events.emit(ProgressEvent.finished("upload", total, total, ProgressEvent.Unit.BYTES));
    return new Outcome(calls.get(), bytes.get(), zero, written);
  }

  /** Fills {@code buf} with the window at {@code offset}; past the disk's end it is zero. */
  private static void read(DiskImage disk, long offset, byte[] buf) throws IOException {
    ByteBuffer dst = ByteBuffer.wrap(buf);
    while (dst.hasRemaining()) {
      int n = disk.read(offset + dst.position(), dst);
      if (n < 0) {
        break;
      }
    }
    Arrays.fill(buf, dst.position(), buf.length, (byte) 0);
  }

  private static byte[] take(BlockingQueue<byte[]> pool, AtomicReference<Throwable> failure)
      throws InterruptedException {
    while (failure.get() == null) {
      byte[] buf = pool.poll(200, TimeUnit.MILLISECONDS);
      if (buf != null) {
        return buf;
      }
    }
    return null;
  }

  private void progress(long doneBytes, long total, AtomicLong last) {
    long now = System.nanoTime();
    long prev = last.get();
    if (now - prev >= PROGRESS_EVERY_NANOS && last.compareAndSet(prev, now)) {
      events.emit(ProgressEvent.of("upload", doneBytes, total, ProgressEvent.Unit.BYTES));
    }
  }

  private static Thread daemon(Runnable r) {
    Thread t = new Thread(r, "azure-put-page");
    t.setDaemon(true);
    return t;
  }
}
