package dev.unideploy.provider.azure.upload;

import dev.unideploy.image.DiskImage;
import dev.unideploy.image.write.vhd.VhdFooterWriter;
import dev.unideploy.pipeline.UnideployException;
import dev.unideploy.pipeline.events.EventSink;
import dev.unideploy.pipeline.events.LogEvent;
import java.util.BitSet;
import java.util.HexFormat;
import java.util.List;

/**
 * Streams a disk into a page blob as a fixed VHD: the non-zero data as Put Page calls of at most 4
 * MiB (see {@link PagePump}), then the 512-byte footer at the virtual size, then a read-back of the
 * blob's page ranges to check that nothing was lost or written outside the disk's data. No VHD file
 * is ever written locally.
 *
 * <p>Resumable: acknowledged windows go to the journal in batches; a re-run sends only the windows
 * not yet acknowledged.
 */
public final class VhdUploader {
  /** What an upload did. */
  public record Result(
      long putPageCalls, long bytesSent, long zeroWindows, long windowsResumed, boolean resumed) {}

  private final EventSink events;
  private final int concurrency;

  public VhdUploader(EventSink events, int concurrency) {
    this.events = events;
    this.concurrency = concurrency;
  }

  /** The blob or disk size a fixed VHD of {@code disk} needs: whole MiB (>= 20) plus 512. */
  public static long blobSize(DiskImage disk) {
    return PagePlan.blobSize(disk);
  }

  /** The fixed VHD footer for {@code disk}; its unique id comes from the content hash. */
  public static byte[] footer(DiskImage disk, String contentSha256, long mtimeEpochSeconds) {
    byte[] id = HexFormat.of().parseHex(contentSha256.substring(0, 32));
    return VhdFooterWriter.build(
        VhdFooterWriter.TYPE_FIXED, PagePlan.virtualSize(disk), -1L, mtimeEpochSeconds, id);
  }

  /**
   * Writes {@code disk} to {@code writer}, skipping windows {@code progress} already holds, and
   * records progress there.
   */
  public Result upload(DiskImage disk, byte[] footer, PageWriter writer, UploadProgress progress) {
    long virtual = PagePlan.virtualSize(disk);
    BitSet candidates = PagePlan.candidates(disk);
    BitSet acked = progress.acknowledged();
    long resumedWindows = acked.cardinality();
    if (resumedWindows > 0) {
      events.emit(
          LogEvent.info(
              "upload",
              "resuming: "
                  + resumedWindows
                  + " of "
                  + candidates.cardinality()
                  + " data windows were acknowledged by an earlier run"));
    }
    PagePump.Outcome outcome;
    try (AckBatcher batcher = new AckBatcher(progress)) {
      outcome =
          new PagePump(writer, events, concurrency).run(disk, candidates, acked, batcher::ack);
    }
    if (!progress.footerWritten()) {
      writer.putPages(virtual, footer, footer.length);
      progress.footerWritten(true);
    }
    verify(writer.pageRanges(), outcome.written(), candidates, virtual);
    return new Result(
        outcome.calls() + 1,
        outcome.bytes() + footer.length,
        outcome.zeroWindows(),
        resumedWindows,
        resumedWindows > 0);
  }

  /**
   * Checks the blob's page ranges: every range this run wrote is there, and nothing lies outside
   * the data windows and the footer (a stray or lost page fails the publish before registering).
   */
  static void verify(List<long[]> listed, List<long[]> written, BitSet candidates, long virtual) {
    for (long[] r : listed) {
      if (r[0] >= virtual) {
        if (r[0] != virtual || r[1] != virtual + PagePlan.PAGE) {
          throw broken("the blob holds pages at " + r[0] + "-" + r[1] + " past the footer");
        }
        continue;
      }
      int first = (int) (r[0] / PagePlan.WINDOW);
      int last = (int) ((Math.min(r[1], virtual) - 1) / PagePlan.WINDOW);
      for (int w = first; w <= last; w++) {
        if (!candidates.get(w)) {
          throw broken("the blob holds data at window " + w + ", where the disk has none");
        }
      }
    }
    if (listed.stream().noneMatch(r -> r[0] <= virtual && r[1] >= virtual + PagePlan.PAGE)) {
      throw broken("the footer is missing from the blob");
    }
    for (long[] w : written) {
      boolean covered = listed.stream().anyMatch(r -> r[0] <= w[0] && r[1] >= w[1]);
      if (!covered) {
        throw broken("pages " + w[0] + "-" + w[1] + " were acknowledged but are not in the blob");
      }
    }
  }

  private static UnideployException broken(String why) {
    return new UnideployException(
        "the uploaded VHD does not match what was sent: "
            + why
            + "; delete the upload (its disk or blob) and re-run to upload afresh");
  }

  /** Where an upload's acknowledgements are kept (the journal, in production). */
  public interface UploadProgress {
    BitSet acknowledged();

    void acknowledged(BitSet windows);

    boolean footerWritten();

    void footerWritten(boolean written);
  }

  /**
   * Batches acknowledgements: every 32 windows or 2 s, so the journal's fsync stays off the hot
   * path.
   */
  private static final class AckBatcher implements AutoCloseable {
    private final UploadProgress progress;
    private BitSet pending = new BitSet();
    private long last = System.nanoTime();

    AckBatcher(UploadProgress progress) {
      this.progress = progress;
    }

    synchronized void ack(int window) {
      pending.set(window);
      if (pending.cardinality() >= 32 || System.nanoTime() - last > 2_000_000_000L) {
        flush();
      }
    }

    synchronized void flush() {
      if (!pending.isEmpty()) {
        progress.acknowledged(pending);
        pending = new BitSet();
      }
      last = System.nanoTime();
    }

    @Override
    public void close() {
      flush();
    }
  }
}
