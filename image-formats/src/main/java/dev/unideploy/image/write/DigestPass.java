package dev.unideploy.image.write;

import dev.unideploy.image.DiskImage;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;

/**
 * Feeds a {@link UnitDigest} from a disk in a pass of its own, reading only the units that hold
 * data, on a pool of threads: for callers that do not write the disk (publish's hash step, inspect)
 * and for writers whose units do not line up with the disk's (the GCE tarball).
 */
public final class DigestPass {
  private static final int UNIT = 2 << 20;

  private DigestPass() {}

  public static void run(DiskImage image, UnitDigest digest, int threads, WriteProgress progress)
      throws IOException {
    long total = image.virtualSize();
    DirectBufferPool buffers = new DirectBufferPool(UNIT, OrderedPipeline.maxInFlight(threads) + 1);
    record Digested(long end, byte[] digest) {}
    try (OrderedPipeline<Digested> pipeline =
        new OrderedPipeline<>(
            threads,
            d -> {
              digest.add(d.digest());
              progress.advanced(d.end(), total);
            })) {
      DataUnits.forEach(
          image.extents(),
          total,
          UNIT,
          unit ->
              pipeline.submit(
                  () -> {
                    ByteBuffer bytes = buffers.take();
                    try {
                      UnitReader.read(image, unit, bytes);
                      return new Digested(unit.end(), digest.digest(unit.start(), bytes, null));
                    } finally {
                      buffers.give(bytes);
                    }
                  }));
      pipeline.finish();
    }
    progress.advanced(total, total);
  }

  /**
   * Starts {@link #run} on a thread of its own, without progress; wait for it with {@link #await}.
   */
  public static FutureTask<Void> start(DiskImage image, UnitDigest digest, int threads) {
    FutureTask<Void> pass =
        new FutureTask<>(
            () -> {
              run(image, digest, threads, WriteProgress.NONE);
              return null;
            });
    Thread t = new Thread(pass, "unideploy-digest");
    t.setDaemon(true);
    t.start();
    return pass;
  }

  /** Waits for a pass {@link #start} began, failing as it failed. */
  public static void await(FutureTask<Void> pass) throws IOException {
    try {
      pass.get();
    } catch (InterruptedException e) {
      pass.cancel(true);
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while digesting the image");
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof IOException io) {
        throw io;
      }
      if (cause instanceof RuntimeException r) {
        throw r;
      }
      if (cause instanceof Error err) {
        throw err;
      }
      throw new IOException(cause);
    }
  }
}
