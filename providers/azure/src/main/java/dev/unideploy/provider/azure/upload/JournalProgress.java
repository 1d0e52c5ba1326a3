package dev.unideploy.provider.azure.upload;

import dev.unideploy.pipeline.state.Journal;
import java.time.Clock;
import java.util.BitSet;

/**
 * An upload's progress kept in the deployment journal, for one target (a managed disk id or a blob
 * URL without its SAS) and one upload key (content hash, size, route).
 */
public final class JournalProgress implements VhdUploader.UploadProgress {
  private final UploadJournal journal;
  private final String target;
  private final BitSet acked;
  private boolean footer;

  private JournalProgress(UploadJournal journal, String target, BitSet acked, boolean footer) {
    this.journal = journal;
    this.target = target;
    this.acked = acked;
    this.footer = footer;
  }

  /** What the journal says about uploads of {@code key}. */
  public record Previous(String target, int generation, boolean finished, int acknowledged) {}

  /** The newest upload of {@code key} recorded in the journal (target null when none). */
  public static Previous previous(Journal journal, Clock clock, String key) {
    UploadJournal.State s = new UploadJournal(journal, clock, key).read();
    return new Previous(s.target(), s.generation(), s.finished(), s.acknowledged().cardinality());
  }

  /** Continues the journal's record of {@code target}. */
  public static JournalProgress resume(Journal journal, Clock clock, String key, String target) {
    UploadJournal j = new UploadJournal(journal, clock, key);
    UploadJournal.State s = j.read();
    if (!target.equals(s.target())) {
      throw new IllegalStateException("the journal's upload of " + key + " is not " + target);
    }
    return new JournalProgress(j, target, s.acknowledged(), s.footer());
  }

  /** Records a new upload of {@code key} into {@code target}. */
  public static JournalProgress start(
      Journal journal, Clock clock, String key, String target, int generation, long blobSize) {
    UploadJournal j = new UploadJournal(journal, clock, key);
    j.started(target, generation, blobSize);
    return new JournalProgress(j, target, new BitSet(), false);
  }

  /** Records that {@code target} cannot be resumed; the next upload uses generation + 1. */
  public static void abandon(
      Journal journal, Clock clock, String key, String target, int generation, String reason) {
    new UploadJournal(journal, clock, key).abandoned(target, generation, reason);
  }

  public void finished() {
    journal.finished(target);
  }

  @Override
  public synchronized BitSet acknowledged() {
    return (BitSet) acked.clone();
  }

  @Override
  public synchronized void acknowledged(BitSet windows) {
    acked.or(windows);
    journal.acknowledged(target, windows);
  }

  @Override
  public synchronized boolean footerWritten() {
    return footer;
  }

  @Override
  public synchronized void footerWritten(boolean written) {
    if (written && !footer) {
      journal.footer(target);
    }
    footer = written;
  }
}
