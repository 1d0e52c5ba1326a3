package dev.unideploy.provider.aws.upload;

import dev.unideploy.provider.aws.AwsErrors;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.ebs.EbsClient;
import software.amazon.awssdk.services.ebs.model.ChecksumAggregationMethod;
import software.amazon.awssdk.services.ebs.model.CompleteSnapshotRequest;
import software.amazon.awssdk.services.ebs.model.CompleteSnapshotResponse;
import software.amazon.awssdk.services.ebs.model.EbsException;
import software.amazon.awssdk.services.ebs.model.PutSnapshotBlockRequest;
import software.amazon.awssdk.services.ebs.model.PutSnapshotBlockResponse;
import software.amazon.awssdk.services.ebs.model.StartSnapshotRequest;
import software.amazon.awssdk.services.ebs.model.StartSnapshotResponse;
import software.amazon.awssdk.services.ebs.model.Status;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.DescribeSnapshotsRequest;
import software.amazon.awssdk.services.ec2.model.DescribeSnapshotsResponse;
import software.amazon.awssdk.services.ec2.model.Ec2Exception;
import software.amazon.awssdk.services.ec2.model.Snapshot;
import software.amazon.awssdk.services.ec2.model.SnapshotState;

/**
 * An in-memory EBS direct API + DescribeSnapshots that is strict where real EBS is: 512 KiB bodies,
 * per-block SHA-256, the LINEAR checksum and block count at completion, client tokens.
 */
class FakeEbs implements EbsClient {
  static final class Snap {
    final String id;
    final long volumeGib;
    final boolean encrypted;
    final Map<Integer, byte[]> blocks = new ConcurrentHashMap<>();
    volatile SnapshotState state = SnapshotState.PENDING;
    volatile String stateMessage;
    volatile int pendingPollsAfterComplete;

    Snap(String id, long volumeGib, boolean encrypted) {
      this.id = id;
      this.volumeGib = volumeGib;
      this.encrypted = encrypted;
    }
  }

  final Map<String, Snap> snapshots = new ConcurrentHashMap<>();
  final Map<String, String> tokens = new ConcurrentHashMap<>();
  final List<StartSnapshotRequest> starts = new ArrayList<>();
  final AtomicInteger puts = new AtomicInteger();
  final AtomicInteger putsOk = new AtomicInteger();
  final AtomicInteger inFlight = new AtomicInteger();
  final AtomicInteger maxInFlight = new AtomicInteger();
  final AtomicInteger completes = new AtomicInteger();
  volatile int crashAfterPuts = -1;
  volatile int throttleEvery;
  volatile int pendingPollsAfterComplete;

  /** When set, a completing snapshot turns to error with this state message. */
  volatile String failCompletionWith;

  private final AtomicInteger ids = new AtomicInteger();

  @Override
  public synchronized StartSnapshotResponse startSnapshot(StartSnapshotRequest r) {
    starts.add(r);
    String existing = r.clientToken() == null ? null : tokens.get(r.clientToken());
    Snap s;
    if (existing != null) {
      s = snapshots.get(existing);
    } else {
      s =
          new Snap(
              String.format("snap-%017x", ids.incrementAndGet()),
              r.volumeSize(),
              Boolean.TRUE.equals(r.encrypted()));
      snapshots.put(s.id, s);
      if (r.clientToken() != null) {
        tokens.put(r.clientToken(), s.id);
      }
    }
    Status status =
        switch (s.state) {
          case COMPLETED -> Status.COMPLETED;
          case ERROR -> Status.ERROR;
          default -> Status.PENDING;
        };
    return StartSnapshotResponse.builder()
        .snapshotId(s.id)
        .status(status)
        .volumeSize(s.volumeGib)
        .blockSize(BlockPlan.BLOCK_SIZE)
        .build();
  }

  @Override
  public PutSnapshotBlockResponse putSnapshotBlock(PutSnapshotBlockRequest r, RequestBody body) {
    int n = puts.incrementAndGet();
    int now = inFlight.incrementAndGet();
    maxInFlight.accumulateAndGet(now, Math::max);
    try {
      if (crashAfterPuts >= 0 && putsOk.get() >= crashAfterPuts) {
        throw new IllegalStateException("simulated crash after " + crashAfterPuts + " blocks");
      }
      if (throttleEvery > 0 && n % throttleEvery == 0) {
        throw error(429, "ThrottlingException", "Rate exceeded");
      }
      Snap s = snapshots.get(r.snapshotId());
      if (s == null || s.state != SnapshotState.PENDING) {
        throw error(400, "ValidationException", "snapshot is not pending");
      }
      byte[] data = read(body);
      if (r.dataLength() != BlockPlan.BLOCK_SIZE || data.length != BlockPlan.BLOCK_SIZE) {
        throw error(400, "ValidationException", "block must be 524288 bytes, was " + data.length);
      }
      if (!"SHA256".equals(r.checksumAlgorithmAsString())
          || !Base64.getEncoder().encodeToString(sha256(data)).equals(r.checksum())) {
        throw error(400, "ValidationException", "checksum mismatch on block " + r.blockIndex());
      }
      if (r.blockIndex() >= BlockPlan.blocksInVolume(s.volumeGib)) {
        throw error(400, "ValidationException", "block index past the volume");
      }
      s.blocks.put(r.blockIndex(), java.util.Arrays.equals(data, ZERO) ? ZERO : data);
      putsOk.incrementAndGet();
      return PutSnapshotBlockResponse.builder().checksum(r.checksum()).build();
    } finally {
      inFlight.decrementAndGet();
    }
  }

  @Override
  public CompleteSnapshotResponse completeSnapshot(CompleteSnapshotRequest r) {
    completes.incrementAndGet();
    Snap s = snapshots.get(r.snapshotId());
    if (s == null || s.state != SnapshotState.PENDING) {
      throw error(400, "ValidationException", "snapshot is not pending");
    }
    if (r.changedBlocksCount() != s.blocks.size()) {
      throw error(
          400,
          "ValidationException",
          "ChangedBlocksCount " + r.changedBlocksCount() + " != " + s.blocks.size());
    }
    if (r.checksumAggregationMethod() != ChecksumAggregationMethod.LINEAR
        || !linear(s).equals(r.checksum())) {
      throw error(400, "ValidationException", "linear checksum mismatch");
    }
    s.pendingPollsAfterComplete = pendingPollsAfterComplete;
    s.state = s.pendingPollsAfterComplete > 0 ? SnapshotState.PENDING : SnapshotState.COMPLETED;
    if (s.pendingPollsAfterComplete > 0) {
      s.stateMessage = "completing";
    }
    return CompleteSnapshotResponse.builder().status(Status.PENDING).build();
  }

  static String linear(Snap s) {
    MessageDigest md = BlockDigests.sha256();
    for (byte[] block : new TreeMap<>(s.blocks).values()) {
      md.update(sha256(block));
    }
    return Base64.getEncoder().encodeToString(md.digest());
  }

  /** DescribeSnapshots over the same state; after CompleteSnapshot it may stay pending a while. */
  Ec2Client ec2() {
    return new Ec2Client() {
      @Override
      public DescribeSnapshotsResponse describeSnapshots(DescribeSnapshotsRequest r) {
        Snap s = snapshots.get(r.snapshotIds().get(0));
        if (s == null) {
          throw (Ec2Exception)
              Ec2Exception.builder()
                  .statusCode(400)
                  .awsErrorDetails(
                      AwsErrorDetails.builder()
                          .errorCode("InvalidSnapshot.NotFound")
                          .errorMessage("not found")
                          .build())
                  .build();
        }
        if (s.state == SnapshotState.PENDING
            && "completing".equals(s.stateMessage)
            && failCompletionWith != null) {
          s.state = SnapshotState.ERROR;
          s.stateMessage = failCompletionWith;
        }
        if (s.state == SnapshotState.PENDING && "completing".equals(s.stateMessage)) {
          if (--s.pendingPollsAfterComplete <= 0) {
            s.state = SnapshotState.COMPLETED;
            s.stateMessage = null;
          }
          return DescribeSnapshotsResponse.builder()
              .snapshots(snapshot(s).toBuilder().state(SnapshotState.PENDING).build())
              .build();
        }
        return DescribeSnapshotsResponse.builder().snapshots(snapshot(s)).build();
      }

      @Override
      public String serviceName() {
        return "ec2";
      }

      @Override
      public void close() {}
    };
  }

  private static Snapshot snapshot(Snap s) {
    return Snapshot.builder()
        .snapshotId(s.id)
        .state(s.state)
        .stateMessage(s.stateMessage)
        .volumeSize((int) s.volumeGib)
        .encrypted(s.encrypted)
        .build();
  }

  static EbsException error(int status, String code, String message) {
    return AwsErrors.ebs(status, code, message);
  }

  private static byte[] read(RequestBody body) {
    try (InputStream in = body.contentStreamProvider().newStream()) {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static final byte[] ZERO = new byte[BlockPlan.BLOCK_SIZE];
  private static final byte[] ZERO_DIGEST = BlockDigests.sha256().digest(ZERO);

  static byte[] sha256(byte[] data) {
    // Encrypted uploads send a whole GiB of zero blocks: keep the unit tests fast.
    return java.util.Arrays.equals(data, ZERO) ? ZERO_DIGEST : BlockDigests.sha256().digest(data);
  }

  @Override
  public String serviceName() {
    return "ebs";
  }

  @Override
  public void close() {}
}
