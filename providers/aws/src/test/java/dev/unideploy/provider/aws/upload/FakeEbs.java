package dev.unideploy.provider.aws.upload;

import dev.unideploy.provider.aws.call.AwsErrors;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.services.ebs.model.EbsException;
import software.amazon.awssdk.services.ec2.model.Ec2Exception;
import software.amazon.awssdk.services.ec2.model.SnapshotState;

/**
 * An in-memory EBS direct API + DescribeSnapshots that is strict where real EBS is: 512 KiB bodies,
 * per-block SHA-256, the LINEAR checksum and block count at completion, client tokens.
 */
class FakeEbs implements EbsDirectApi {
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
  final List<StartRequest> starts = new ArrayList<>();
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
  public synchronized Started startSnapshot(StartRequest r) {
    starts.add(r);
    String existing = r.clientToken() == null ? null : tokens.get(r.clientToken());
    Snap s;
    if (existing != null) {
      s = snapshots.get(existing);
    } else {
      s =
          new Snap(
              String.format("snap-%017x", ids.incrementAndGet()), r.volumeGib(), r.encrypted());
      snapshots.put(s.id, s);
      if (r.clientToken() != null) {
        tokens.put(r.clientToken(), s.id);
      }
    }
    String status =
        switch (s.state) {
          case COMPLETED -> COMPLETED;
          case ERROR -> ERROR;
          default -> PENDING;
        };
    return new Started(s.id, status);
  }

  @Override
  public void putSnapshotBlock(String snapshotId, int blockIndex, byte[] data, byte[] sha256) {
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
      Snap s = snapshots.get(snapshotId);
      if (s == null || s.state != SnapshotState.PENDING) {
        throw error(400, "ValidationException", "snapshot is not pending");
      }
      if (data.length != BlockPlan.BLOCK_SIZE) {
        throw error(400, "ValidationException", "block must be 524288 bytes, was " + data.length);
      }
      if (!java.util.Arrays.equals(sha256(data), sha256)) {
        throw error(400, "ValidationException", "checksum mismatch on block " + blockIndex);
      }
      if (blockIndex >= BlockPlan.blocksInVolume(s.volumeGib)) {
        throw error(400, "ValidationException", "block index past the volume");
      }
      // The buffer goes back to the uploader's pool after the call: keep a copy, as EBS would.
      s.blocks.put(blockIndex, java.util.Arrays.equals(data, ZERO) ? ZERO : data.clone());
      putsOk.incrementAndGet();
    } finally {
      inFlight.decrementAndGet();
    }
  }

  @Override
  public String completeSnapshot(String snapshotId, int changedBlocks, String linearChecksum) {
    completes.incrementAndGet();
    Snap s = snapshots.get(snapshotId);
    if (s == null || s.state != SnapshotState.PENDING) {
      throw error(400, "ValidationException", "snapshot is not pending");
    }
    if (changedBlocks != s.blocks.size()) {
      throw error(
          400,
          "ValidationException",
          "ChangedBlocksCount " + changedBlocks + " != " + s.blocks.size());
    }
    if (!linear(s).equals(linearChecksum)) {
      throw error(400, "ValidationException", "linear checksum mismatch");
    }
    s.pendingPollsAfterComplete = pendingPollsAfterComplete;
    s.state = s.pendingPollsAfterComplete > 0 ? SnapshotState.PENDING : SnapshotState.COMPLETED;
    if (s.pendingPollsAfterComplete > 0) {
      s.stateMessage = "completing";
    }
    return PENDING;
  }

  static String linear(Snap s) {
    MessageDigest md = BlockDigests.sha256();
    for (byte[] block : new TreeMap<>(s.blocks).values()) {
      md.update(sha256(block));
    }
    return Base64.getEncoder().encodeToString(md.digest());
  }

  /** DescribeSnapshots over the same state; after CompleteSnapshot it may stay pending a while. */
  SnapshotDescriber ec2() {
    return id -> {
      Snap s = snapshots.get(id);
      if (s == null) {
        return Optional.empty();
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
        return Optional.of(new SnapshotDescriber.SnapshotInfo(s.id, "pending", null, null));
      }
      return Optional.of(
          new SnapshotDescriber.SnapshotInfo(s.id, s.state.toString(), null, s.stateMessage));
    };
  }

  /** A DescribeSnapshots failure as EC2 raises it. */
  static Ec2Exception ec2Error(int status, String code) {
    return (Ec2Exception)
        Ec2Exception.builder()
            .statusCode(status)
            .awsErrorDetails(AwsErrorDetails.builder().errorCode(code).errorMessage(code).build())
            .build();
  }

  static EbsException error(int status, String code, String message) {
    return AwsErrors.ebs(status, code, message);
  }

  private static final byte[] ZERO = new byte[BlockPlan.BLOCK_SIZE];
  private static final byte[] ZERO_DIGEST = BlockDigests.sha256().digest(ZERO);

  static byte[] sha256(byte[] data) {
    // Encrypted uploads send a whole GiB of zero blocks: keep the unit tests fast.
    return java.util.Arrays.equals(data, ZERO) ? ZERO_DIGEST : BlockDigests.sha256().digest(data);
  }
}
