package dev.unideploy.provider.aws.upload;

import java.time.Duration;
import java.util.BitSet;

/**
 * Collects the blocks EBS acknowledged and writes them to the journal in batches (every {@code
 * batch} blocks or every {@code interval}), so a resume repeats at most one batch while the
 * journal's fsync stays off the hot path of each block.
 */
final class AckRecorder {
  private final EbsUploadJournal journal;
  private final String snapshotId;
  private final int batch;
  private final long intervalNanos;
  private BitSet pending = new BitSet();
  private long lastFlush = System.nanoTime();

  AckRecorder(EbsUploadJournal journal, String snapshotId, int batch, Duration interval) {
    this.journal = journal;
    this.snapshotId = snapshotId;
    this.batch = batch;
    this.intervalNanos = interval.toNanos();
  }

  /** Records an acknowledged block; journals the batch when it is full or old enough. */
  synchronized void acknowledged(int block) {
    pending.set(block);
    if (pending.cardinality() >= batch || System.nanoTime() - lastFlush >= intervalNanos) {
      flush();
    }
  }

  /** Journals what is pending now (a no-op when nothing is). */
  synchronized void flush() {
    if (!pending.isEmpty()) {
      BitSet out = pending;
      pending = new BitSet();
      journal.acknowledged(snapshotId, out);
    }
    lastFlush = System.nanoTime();
  }
}
