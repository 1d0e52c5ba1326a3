package dev.unideploy.provider.aws.upload;

import dev.unideploy.image.DiskImage;
import dev.unideploy.pipeline.UnideployException;
import dev.unideploy.pipeline.events.EventSink;
import dev.unideploy.pipeline.events.LogEvent;
import dev.unideploy.pipeline.resilience.CallPolicy;
import dev.unideploy.pipeline.spi.PublishRequest;
import dev.unideploy.pipeline.spi.UploadSource;
import dev.unideploy.pipeline.state.Journal;
import dev.unideploy.provider.aws.call.AwsRetryable;
import java.time.Clock;
import java.time.Duration;
import java.util.BitSet;
import java.util.Map;
import java.util.Optional;

/**
 * Uploads a disk into a new EBS snapshot with the EBS direct APIs: StartSnapshot, PutSnapshotBlock
 * for every non-zero 512 KiB block (many in flight), CompleteSnapshot with the linear checksum,
 * then waits for {@code completed}.
 *
 * <p>Resumable: acknowledged blocks go to the journal in batches; a re-run with the same content
 * continues the same pending snapshot and sends only the blocks not yet acknowledged. A snapshot
 * that was deleted or failed in between is abandoned, and a new one started with a new client
 * token.
 *
 * <p>Every call goes through a {@link CallPolicy} (retries, backoff, rate limit); the API below
 * bounds each attempt with its own deadline.
 */
public final class EbsSnapshotUploader {
  private static final String STEP = "upload";

  private final EbsDirectApi ebs;
  private final SnapshotStates snapshots;
  private final EbsUploadOptions options;
  private final CallPolicy control;
  private final CallPolicy blocks;
  private final Clock clock;

  /** An uploader on the system clock. */
  public EbsSnapshotUploader(EbsDirectApi ebs, SnapshotDescriber ec2, EbsUploadOptions options) {
    this(ebs, ec2, options, Clock.systemUTC());
  }

  /**
   * @param ebs the EBS direct API of the home region ({@link HttpEbsDirectApi})
   * @param ec2 DescribeSnapshots in the same region ({@link HttpSnapshotDescriber})
   * @param options concurrency, encryption, tags, deadlines
   */
  public EbsSnapshotUploader(
      EbsDirectApi ebs, SnapshotDescriber ec2, EbsUploadOptions options, Clock clock) {
    this.ebs = ebs;
    this.options = options;
    this.clock = clock;
    this.control = new CallPolicy(options.calls(), AwsRetryable::isRetryable);
    this.blocks =
        new CallPolicy(
            options.calls().withCallsPerSecond(options.blockCallsPerSecond()),
            AwsRetryable::isRetryable);
    this.snapshots = new SnapshotStates(ec2, control);
  }

  /** Uploads {@code source.disk()} for a publish; journal and events come from its context. */
  public SnapshotUploadResult upload(PublishRequest request, UploadSource source) {
    return upload(
        source.disk(),
        request.contentSha256(),
        request.context().journal(),
        request.context().events());
  }

  /**
   * Uploads {@code disk}, whose content SHA-256 is {@code contentSha256} (it names the upload in
   * the journal and derives the client token), resuming an earlier interrupted upload of the same
   * content recorded in {@code journal}.
   *
   * @throws UnideployException with what failed and what to do; re-running resumes
   */
  public SnapshotUploadResult upload(
      DiskImage disk, String contentSha256, Journal journal, EventSink events) {
    long start = System.nanoTime();
    long volumeGib = BlockPlan.volumeGib(disk.virtualSize());
    String key =
        ClientTokens.uploadKey(contentSha256, volumeGib, options.encrypted(), options.kmsKeyArn());
    EbsUploadJournal record = new EbsUploadJournal(journal, clock, key);
    EbsUploadJournal.State state = record.read();

    Resume resume = resumable(state, record, events);
    if (resume.completedSnapshot() != null) {
      events.emit(
          LogEvent.info(
              STEP,
              "snapshot "
                  + resume.completedSnapshot()
                  + " already holds this image (completed by an earlier run)"));
      return new SnapshotUploadResult(
          resume.completedSnapshot(), 0, 0, 0, true, elapsed(start), "ebs-direct");
    }
    String snapshotId = resume.snapshotId();
    boolean resumed = snapshotId != null;
    BitSet acknowledged = resumed ? state.acknowledged() : new BitSet();
    if (!resumed) {
      Started started = start(contentSha256, volumeGib, resume.generation(), record, events);
      snapshotId = started.snapshotId();
      if (started.alreadyCompleted()) {
        // The client token replayed a snapshot an earlier run completed (journal lost).
        return new SnapshotUploadResult(snapshotId, 0, 0, 0, true, elapsed(start), "ebs-direct");
      }
    } else {
      events.emit(
          LogEvent.info(
              STEP,
              "resuming snapshot "
                  + snapshotId
                  + ": "
                  + acknowledged.cardinality()
                  + " blocks were acknowledged by an earlier run"));
    }

    BitSet candidates = BlockPlan.candidates(disk, options.encrypted());
    AckRecorder recorder =
        new AckRecorder(record, snapshotId, options.journalEveryBlocks(), options.journalEvery());
    BlockPump.Outcome outcome =
        new BlockPump(ebs, blocks, events, options.concurrency())
            .run(disk, snapshotId, candidates, options.encrypted(), acknowledged, recorder);

    complete(snapshotId, outcome, state.completeSent() && resumed, record);
    SnapshotDescriber.SnapshotInfo done =
        snapshots.awaitCompleted(snapshotId, options.completionDeadline(), options.pollInterval());
    record.completed(snapshotId);
    events.emit(
        LogEvent.info(
            STEP,
            "snapshot "
                + done.snapshotId()
                + " completed: "
                + outcome.blocksSent()
                + " of "
                + (disk.virtualSize() + BlockPlan.BLOCK_SIZE - 1) / BlockPlan.BLOCK_SIZE
                + " blocks of the disk sent"
                + (options.encrypted()
                    ? " (encrypted: every block is written)"
                    : " ("
                        + outcome.blocksSkipped()
                        + " all-zero data blocks and every hole skipped)")));
    return new SnapshotUploadResult(
        snapshotId,
        outcome.blocksSent(),
        outcome.blocksSkipped(),
        outcome.bytesSent(),
        resumed,
        elapsed(start),
        "ebs-direct");
  }

  /** What the journal and EC2 together allow: reuse, continue, or start (with a generation). */
  private record Resume(String completedSnapshot, String snapshotId, int generation) {}

  private record Started(String snapshotId, boolean alreadyCompleted) {}

  private Resume resumable(
      EbsUploadJournal.State state, EbsUploadJournal record, EventSink events) {
    if (!state.hasSnapshot()) {
      return new Resume(null, null, state.generation());
    }
    String id = state.snapshotId();
    Optional<SnapshotDescriber.SnapshotInfo> found = snapshots.find(id);
    String why;
    if (found.isEmpty()) {
      why = "it no longer exists (deleted?)";
    } else {
      SnapshotDescriber.SnapshotInfo s = found.get();
      if (SnapshotStates.COMPLETED.equals(s.state()) && state.completeSent()) {
        record.completed(id);
        return new Resume(id, null, state.generation());
      } else if (SnapshotStates.PENDING.equals(s.state())) {
        return new Resume(null, id, state.generation());
      } else if (SnapshotStates.ERROR.equals(s.state())) {
        why =
            "it is in state error ("
                + (s.stateMessage() == null ? "no reason given" : s.stateMessage())
                + ")";
      } else {
        // Completed without our CompleteSnapshot cannot be our upload finishing: do not trust it.
        why = "it is " + s.state() + " but this tool never completed it";
      }
    }
    record.abandoned(id, state.generation(), why);
    events.emit(
        LogEvent.warn(
            STEP,
            "cannot resume snapshot "
                + id
                + " from the earlier run: "
                + why
                + "; starting a new snapshot with a new client token"));
    return new Resume(null, null, state.generation() + 1);
  }

  /** Starts the snapshot (or gets back the one this client token started before). */
  private Started start(
      String contentSha256,
      long volumeGib,
      int generation,
      EbsUploadJournal record,
      EventSink events) {
    String description =
        options.description() != null
            ? options.description()
            : "unideploy image sha256:" + contentSha256.substring(0, 16);
    String token = ClientTokens.token(record.key(), generation, description, options.tags());
    EbsDirectApi.StartRequest start =
        new EbsDirectApi.StartRequest(
            volumeGib,
            token,
            options.startTimeoutMinutes(),
            description,
            options.tags(),
            options.encrypted(),
            options.kmsKeyArn());
    EbsDirectApi.Started started;
    try {
      started = control.call("StartSnapshot", () -> ebs.startSnapshot(start));
    } catch (RuntimeException e) {
      throw startFailed(e);
    }
    String id = started.snapshotId();
    record.started(id, generation, volumeGib);
    if (EbsDirectApi.COMPLETED.equals(started.status())) {
      record.completeSent(id, -1, "replayed");
      record.completed(id);
      events.emit(
          LogEvent.info(STEP, "snapshot " + id + " for this content was already completed"));
      return new Started(id, true);
    }
    if (EbsDirectApi.ERROR.equals(started.status())) {
      record.abandoned(id, generation, "StartSnapshot returned it in state error");
      throw new UnideployException(
          "StartSnapshot returned snapshot "
              + id
              + " in state error (an earlier failed attempt with the same client token);"
              + " re-run: the next attempt uses a new client token");
    }
    events.emit(
        LogEvent.info(
            STEP,
            "started snapshot "
                + id
                + " ("
                + volumeGib
                + " GiB"
                + (options.encrypted() ? ", encrypted" : "")
                + ")"));
    return new Started(id, false);
  }

  private void complete(
      String snapshotId, BlockPump.Outcome outcome, boolean sentBefore, EbsUploadJournal record) {
    if (outcome.changedBlocks() > Integer.MAX_VALUE) {
      throw new IllegalStateException("more changed blocks than CompleteSnapshot can carry");
    }
    record.completeSent(snapshotId, outcome.changedBlocks(), outcome.linear());
    try {
      String status =
          control.call(
              "CompleteSnapshot",
              () ->
                  ebs.completeSnapshot(
                      snapshotId, (int) outcome.changedBlocks(), outcome.linear()));
      if (EbsDirectApi.ERROR.equals(status)) {
        throw new UnideployException(
            "CompleteSnapshot put " + snapshotId + " in state error; re-run to upload afresh");
      }
    } catch (UnideployException e) {
      throw e;
    } catch (RuntimeException e) {
      if (sentBefore && "ValidationException".equals(AwsRetryable.errorCode(e))) {
        // An earlier run's CompleteSnapshot got through before the crash; wait for it instead.
        return;
      }
      throw new UnideployException(
          "CompleteSnapshot of "
              + snapshotId
              + " failed: "
              + AwsRetryable.describe(e)
              + "; re-run to try again (no block is re-sent)",
          e);
    }
  }

  private static UnideployException startFailed(RuntimeException e) {
    String code = AwsRetryable.errorCode(e);
    String hint;
    if ("AccessDeniedException".equals(code)) {
      hint =
          "the account or role may not use the EBS direct APIs: grant ebs:StartSnapshot,"
              + " ebs:PutSnapshotBlock and ebs:CompleteSnapshot (docs/aws-iam.md), or switch to"
              + " the S3 + ImportSnapshot upload (docs/aws.md, \"Uploads\")";
    } else if ("ConflictException".equals(code)) {
      hint =
          "EBS holds a snapshot started with this client token and other parameters; delete"
              + " the pending snapshot named in the journal, or re-run with a new state directory";
    } else {
      hint = "check the region, credentials and quotas, then re-run";
    }
    return new UnideployException(
        "StartSnapshot failed: " + AwsRetryable.describe(e) + "; " + hint, e);
  }

  private static Duration elapsed(long startNanos) {
    return Duration.ofNanos(System.nanoTime() - startNanos);
  }

  /** For tests and reporting: the per-API retry counts of this uploader's calls. */
  public Map<String, Long> retriedCalls() {
    return Map.of(
        "PutSnapshotBlock", blocks.retriedCalls("PutSnapshotBlock"),
        "StartSnapshot", control.retriedCalls("StartSnapshot"),
        "CompleteSnapshot", control.retriedCalls("CompleteSnapshot"),
        "DescribeSnapshots", control.retriedCalls("DescribeSnapshots"));
  }
}
