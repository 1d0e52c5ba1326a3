package dev.unideploy.image.write;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs tasks (read, check, hash, compress) on a small pool and hands their results to one consumer
 * in submission order, so output is written sequentially and identically whatever the thread count.
 * At most {@code 2 * threads + 1} results are in flight, which bounds memory.
 *
 * @param <T> a task's result
 */
public final class OrderedPipeline<T> implements AutoCloseable {

  /** Consumes results in order on the submitting thread. */
  @FunctionalInterface
  public interface Sink<T> {
    void accept(T result) throws IOException;
  }

  /** A unit of work that may fail with an I/O error. */
  @FunctionalInterface
  public interface Task<T> {
    T call() throws IOException;
  }

  private static final AtomicInteger POOLS = new AtomicInteger();

  private final ExecutorService pool;
  private final ArrayDeque<Future<T>> inFlight = new ArrayDeque<>();
  private final int maxInFlight;
  private final Sink<T> sink;

  public OrderedPipeline(int threads, Sink<T> sink) {
    this.sink = sink;
    this.maxInFlight = maxInFlight(threads);
    if (threads <= 1) {
      pool = null;
    } else {
      int id = POOLS.incrementAndGet();
      AtomicInteger n = new AtomicInteger();
      pool =
          Executors.newFixedThreadPool(
              threads,
              r -> {
                Thread t = new Thread(r, "unideploy-writer-" + id + "-" + n.incrementAndGet());
                t.setDaemon(true);
                return t;
              });
    }
  }

  /** How many results may be in flight (submitted, not yet consumed) for a thread count. */
  public static int maxInFlight(int threads) {
    return 2 * threads + 1;
  }

  /** Submits a task; blocks (consuming earlier results) while too many are in flight. */
  public void submit(Task<T> task) throws IOException {
    if (pool == null) {
      sink.accept(task.call());
      return;
    }
    while (inFlight.size() >= maxInFlight) {
      drainOne();
    }
    Callable<T> callable =
        () -> {
          try {
            return task.call();
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        };
    inFlight.add(pool.submit(callable));
  }

  /**
   * Queues a result that needs no work (a unit the kernel copies), so that it still reaches the
   * sink in submission order.
   */
  public void submitDone(T result) throws IOException {
    if (pool == null) {
      sink.accept(result);
      return;
    }
    while (inFlight.size() >= maxInFlight) {
      drainOne();
    }
    inFlight.add(CompletableFuture.completedFuture(result));
  }

  /** Waits for and consumes every result still in flight. */
  public void finish() throws IOException {
    while (!inFlight.isEmpty()) {
      drainOne();
    }
  }

  private void drainOne() throws IOException {
    Future<T> f = inFlight.removeFirst();
    T result;
    try {
      result = f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while writing the image");
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof UncheckedIOException u) {
        throw u.getCause();
      }
      if (cause instanceof RuntimeException r) {
        throw r;
      }
      if (cause instanceof Error err) {
        throw err;
      }
      throw new IOException(cause);
    }
    sink.accept(result);
  }

  @Override
  public void close() {
    if (pool != null) {
      // Not interrupted: a thread interrupted inside FileChannel.read closes the channel for every
      // reader of the disk (ClosedByInterruptException, see
      // java.nio.channels.InterruptibleChannel),
      // and a caller that retries with the same disk would then fail. The units in flight are few
      // and bounded; they finish and their results are dropped.
      for (Future<T> f : inFlight) {
        f.cancel(false);
      }
      inFlight.clear();
      pool.shutdown();
    }
  }
}
