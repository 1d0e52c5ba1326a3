package dev.unideploy.provider.aws.upload;

import dev.unideploy.image.DiskImage;
import dev.unideploy.pipeline.UnideployException;
import dev.unideploy.pipeline.events.EventSink;
import dev.unideploy.pipeline.events.ProgressEvent;
import dev.unideploy.pipeline.resilience.CallPolicy;
import dev.unideploy.provider.aws.call.AwsRetryable;
import java.io.IOException;
import java.util.BitSet;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Reads the candidate blocks in index order, skips the zero ones, hashes the rest (feeding the
 * linear checksum) and sends those EBS has not yet acknowledged, {@code concurrency} at a time.
 *
 * <p>Memory is bounded: a block is read only into one of {@code concurrency + 1} pooled 512 KiB
 * buffers, and the reader waits for a free buffer (the bulkhead) before it reads the next block.
 */
final class BlockPump {
  /** What one pass over the disk did. */
  record Outcome(
      long blocksSent, long blocksSkipped, long bytesSent, long changedBlocks, String linear) {}

  private static final String TASK = "upload";
  private static final long PROGRESS_EVERY_NANOS = TimeUnit.MILLISECONDS.toNanos(250);

  private final EbsDirectApi ebs;
  private final CallPolicy policy;
  private final EventSink events;
  private final int concurrency;

  BlockPump(EbsDirectApi ebs, CallPolicy policy, EventSink events, int concurrency) {
    this.ebs = ebs;
    this.policy = policy;
    this.events = events;
    this.concurrency = concurrency;
  }

  Outcome run(
      DiskImage disk,
      String snapshotId,
      BitSet candidates,
      boolean sendZeroBlocks,
      BitSet acknowledged,
      AckRecorder recorder) {
    BlockReader reader = new BlockReader(disk);
    BlockDigests digests = new BlockDigests();
    BlockingQueue<byte[]> pool = new ArrayBlockingQueue<>(concurrency + 1);
    AtomicInteger allocated = new AtomicInteger();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    AtomicLong sent = new AtomicLong();
    AtomicLong done = new AtomicLong();
    AtomicLong lastProgress = new AtomicLong(System.nanoTime());
    BitSet toVisit = (BitSet) candidates.clone();
    long total = (long) toSend(toVisit, acknowledged) * BlockPlan.BLOCK_SIZE;
    long skipped = 0;
    events.emit(ProgressEvent.of(TASK, 0, total, ProgressEvent.Unit.BYTES));

    ExecutorService workers = Executors.newFixedThreadPool(concurrency, BlockPump::daemon);
    try {
      for (int index = toVisit.nextSetBit(0); index >= 0; index = toVisit.nextSetBit(index + 1)) {
        if (failure.get() != null) {
          break;
        }
        byte[] buf = takeBuffer(pool, allocated, failure);
        if (buf == null) {
          break;
        }
        reader.read(index, buf);
        if (!sendZeroBlocks && BlockReader.isZero(buf)) {
          skipped++;
          pool.add(buf);
          if (!acknowledged.get(index)) {
            progress(done.addAndGet(BlockPlan.BLOCK_SIZE), total, lastProgress);
          }
          continue;
        }
        byte[] checksum = digests.add(buf);
        if (acknowledged.get(index)) {
          pool.add(buf);
          continue;
        }
        int block = index;
        workers.execute(
            () -> {
              try {
                if (failure.get() == null) {
                  put(snapshotId, block, buf, checksum);
                  recorder.acknowledged(block);
                  sent.incrementAndGet();
                  progress(done.addAndGet(BlockPlan.BLOCK_SIZE), total, lastProgress);
                }
              } catch (RuntimeException | Error e) {
                failure.compareAndSet(null, wrap(snapshotId, block, e));
              } finally {
                pool.add(buf);
              }
            });
      }
    } catch (IOException e) {
      failure.compareAndSet(
          null,
          new UnideployException(
              "could not read the image while uploading: " + e.getMessage() + "; check the file",
              e));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      failure.compareAndSet(
          null, new UnideployException("upload interrupted; re-run to resume it", e));
    } finally {
      drain(workers, failure);
      recorder.flush();
    }
    Throwable f = failure.get();
    if (f != null) {
      if (f instanceof RuntimeException re) {
        throw re;
      }
      throw (Error) f;
    }
    events.emit(ProgressEvent.finished(TASK, done.get(), total, ProgressEvent.Unit.BYTES));
    long sentBlocks = sent.get();
    return new Outcome(
        sentBlocks,
        skipped,
        sentBlocks * BlockPlan.BLOCK_SIZE,
        digests.count(),
        digests.linearBase64());
  }

  private void put(String snapshotId, int block, byte[] buf, byte[] checksum) {
    policy.run("PutSnapshotBlock", () -> ebs.putSnapshotBlock(snapshotId, block, buf, checksum));
  }

  private byte[] takeBuffer(
      BlockingQueue<byte[]> pool, AtomicInteger allocated, AtomicReference<Throwable> failure)
      throws InterruptedException {
    byte[] buf = pool.poll();
    if (buf != null) {
      return buf;
    }
    if (allocated.get() < concurrency + 1) {
      allocated.incrementAndGet();
      return new byte[BlockPlan.BLOCK_SIZE];
    }
    while (failure.get() == null) {
      buf = pool.poll(200, TimeUnit.MILLISECONDS);
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
      events.emit(ProgressEvent.of(TASK, doneBytes, total, ProgressEvent.Unit.BYTES));
    }
  }

  private static int toSend(BitSet candidates, BitSet acknowledged) {
    BitSet left = (BitSet) candidates.clone();
    left.andNot(acknowledged);
    return left.cardinality();
  }

  private static void drain(ExecutorService workers, AtomicReference<Throwable> failure) {
    workers.shutdown();
    try {
      // Each call is bounded by the SDK's attempt timeout and CallPolicy's attempts; this loop
      // only waits for them, and gives up waiting (the threads are daemons) if interrupted.
      while (!workers.awaitTermination(1, TimeUnit.SECONDS)) {
        // keep waiting for in-flight blocks so their acknowledgements reach the journal
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      workers.shutdownNow();
      failure.compareAndSet(
          null, new UnideployException("upload interrupted; re-run to resume it", e));
    }
  }

  private static UnideployException wrap(String snapshotId, int block, Throwable e) {
    if (e instanceof UnideployException u) {
      return u;
    }
    String hint =
        "AccessDeniedException".equals(AwsRetryable.errorCode(e))
            ? "check the ebs:PutSnapshotBlock permission (and the KMS key grant for encrypted"
                + " snapshots), see docs/aws-iam.md, then re-run"
            : "re-run to resume: blocks already acknowledged are kept in the journal";
    return new UnideployException(
        "PutSnapshotBlock of block "
            + block
            + " to "
            + snapshotId
            + " failed: "
            + AwsRetryable.describe(e)
            + "; "
            + hint,
        e);
  }

  private static Thread daemon(Runnable r) {
    Thread t = new Thread(r, "ebs-put-block");
    t.setDaemon(true);
    return t;
  }
}
