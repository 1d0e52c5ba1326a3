package dev.unideploy.provider.aws.importsnap;

import dev.unideploy.image.TargetFormat;
import dev.unideploy.pipeline.UnideployException;
import dev.unideploy.pipeline.events.EventSink;
import dev.unideploy.pipeline.events.LogEvent;
import dev.unideploy.pipeline.resilience.CallPolicy;
import dev.unideploy.pipeline.spi.PublishRequest;
import dev.unideploy.pipeline.spi.UploadSource;
import dev.unideploy.pipeline.state.Journal;
import dev.unideploy.provider.aws.call.AwsRetryable;
import dev.unideploy.provider.aws.upload.SnapshotDescriber.SnapshotInfo;
import dev.unideploy.provider.aws.upload.SnapshotStates;
import dev.unideploy.provider.aws.upload.SnapshotUploadResult;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.Ec2Exception;
import software.amazon.awssdk.services.ec2.model.ImportSnapshotResponse;
import software.amazon.awssdk.services.ec2.model.ResourceType;
import software.amazon.awssdk.services.ec2.model.SnapshotTaskDetail;
import software.amazon.awssdk.services.ec2.model.Tag;
import software.amazon.awssdk.services.ec2.model.TagSpecification;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The upload for accounts that forbid the EBS direct APIs: stages the converted disk file (VMDK
 * streamOptimized, VHD or raw) in S3 with a multipart upload, runs ImportSnapshot on it, polls the
 * task under a long deadline, and deletes the staged object once the import ended.
 *
 * <p>Resumable: the multipart upload id, the staged object and the import task id are journaled; a
 * re-run sends only the parts S3 does not hold, or just waits for the running task.
 *
 * <p>Needs the VM Import service role ({@code vmimport}, see docs/aws-iam.md); its absence is
 * recognised and reported as such.
 */
public final class ImportSnapshotUploader {
  private static final String STEP = "upload";

  private final S3Client s3;
  private final Ec2Client ec2;
  private final ImportSnapshotOptions options;
  private final CallPolicy policy;
  private final Clock clock;

  /**
   * @param s3 the S3 client of the snapshot's region (path-style where the endpoint needs it)
   * @param ec2 the EC2 client of the same region
   * @param options bucket, part size, role, deadlines
   */
  public ImportSnapshotUploader(S3Client s3, Ec2Client ec2, ImportSnapshotOptions options) {
    this(s3, ec2, options, Clock.systemUTC());
  }

  public ImportSnapshotUploader(
      S3Client s3, Ec2Client ec2, ImportSnapshotOptions options, Clock clock) {
    this.s3 = s3;
    this.ec2 = ec2;
    this.options = options;
    this.clock = clock;
    this.policy = new CallPolicy(options.calls(), AwsRetryable::isRetryable);
  }

  /** Uploads {@code source.file()} for a publish; journal and events come from its context. */
  public SnapshotUploadResult upload(PublishRequest request, UploadSource source) {
    if (source.file() == null) {
      throw new IllegalArgumentException(
          "ImportSnapshot uploads a file: ask the pipeline for "
              + TargetFormat.VMDK_STREAM.cliName()
              + " (uploadFormat), it then converts the disk to one");
    }
    return upload(
        source.file(),
        source.format(),
        request.contentSha256(),
        request.context().journal(),
        request.context().events());
  }

  /**
   * Uploads {@code file}, a disk in {@code format}, and imports it as a snapshot. {@code
   * contentSha256} (of the virtual disk) names the staged object and keys the journal.
   *
   * @throws UnideployException with what failed and what to do; re-running resumes
   */
  public SnapshotUploadResult upload(
      Path file, TargetFormat format, String contentSha256, Journal journal, EventSink events) {
    long start = System.nanoTime();
    String awsFormat = awsFormat(format);
    long size = size(file);
    String key = "import:" + contentSha256 + ":" + awsFormat + ":" + encryptionKey();
    ImportJournal record = new ImportJournal(journal, clock, key);
    ImportJournal.State state = record.read();
    ImportTaskWatcher watcher = new ImportTaskWatcher(ec2, policy, events);

    if (state.importEnded() && state.snapshotId() != null) {
      var found = new SnapshotStates(this::describeSnapshot, policy).find(state.snapshotId());
      if (found.isPresent()) {
        events.emit(
            LogEvent.info(
                STEP, "snapshot " + state.snapshotId() + " was imported by an earlier run"));
        return result(state.snapshotId(), 0, 0, true, start);
      }
    }

    long partsSent = 0;
    long bytesSent = 0;
    boolean resumed = false;
    String object =
        options.keyPrefix() + contentSha256 + "." + awsFormat.toLowerCase(java.util.Locale.ROOT);
    String taskId = state.importEnded() ? null : state.importTaskId();
    if (taskId != null) {
      SnapshotTaskDetail d = watcher.describe(taskId);
      if (d == null || ("deleted".equals(d.status()) || "deleting".equals(d.status()))) {
        events.emit(
            LogEvent.warn(
                STEP,
                "import task "
                    + taskId
                    + " from the earlier run ended without a snapshot; importing again"));
        taskId = null;
      } else {
        resumed = true;
        events.emit(LogEvent.info(STEP, "resuming: waiting for import task " + taskId));
      }
    }
    if (taskId == null) {
      if (!(state.objectUploaded()
          && object.equals(state.objectKey())
          && objectExists(object, size))) {
        long partSize = options.partSizeFor(size);
        MultipartUpload.Outcome staged =
            new MultipartUpload(s3, policy, events, options.concurrency())
                .upload(
                    file,
                    size,
                    options.bucket(),
                    object,
                    partSize,
                    object.equals(state.objectKey()) ? state.uploadId() : null,
                    record);
        partsSent = staged.partsSent();
        bytesSent = staged.bytesSent();
        resumed |= staged.resumed();
      } else {
        resumed = true;
      }
      taskId = startImport(object, awsFormat, contentSha256, state.imports());
      record.importStarted(taskId);
      events.emit(
          LogEvent.info(
              STEP,
              "started import task " + taskId + " from s3://" + options.bucket() + "/" + object));
    }

    SnapshotTaskDetail end =
        watcher.await(taskId, options.importDeadline(), options.pollInterval());
    String snapshotId = "completed".equals(end.status()) ? end.snapshotId() : null;
    record.importEnded(taskId, snapshotId, end.status());
    deleteStaged(object, events);
    if (snapshotId == null) {
      String why = end.statusMessage() == null ? "AWS gave no reason" : end.statusMessage();
      if (VmImportRole.isRoleProblem(why, options.roleName())) {
        throw new UnideployException(
            "import task " + taskId + " failed: " + why + "; " + VmImportRole.ADVICE);
      }
      throw new UnideployException(
          "import task "
              + taskId
              + " ended "
              + end.status()
              + ": "
              + why
              + "; check the disk format ("
              + awsFormat
              + ") and re-run");
    }
    return result(snapshotId, partsSent, bytesSent, resumed, start);
  }

  private String startImport(String object, String awsFormat, String contentSha256, int attempt) {
    List<Tag> tags =
        options.tags().entrySet().stream()
            .map(e -> Tag.builder().key(e.getKey()).value(e.getValue()).build())
            .toList();
    ImportSnapshotResponse response;
    try {
      response =
          policy.call(
              "ImportSnapshot",
              () ->
                  ec2.importSnapshot(
                      r -> {
                        r.clientToken(token(object, attempt))
                            .description("unideploy image sha256:" + contentSha256.substring(0, 16))
                            .diskContainer(
                                c ->
                                    c.format(awsFormat)
                                        .userBucket(
                                            u -> u.s3Bucket(options.bucket()).s3Key(object)));
                        if (options.roleName() != null) {
                          r.roleName(options.roleName());
                        }
                        if (options.encrypted()) {
                          r.encrypted(true);
                          if (options.kmsKeyId() != null) {
                            r.kmsKeyId(options.kmsKeyId());
                          }
                        }
                        if (!tags.isEmpty()) {
                          r.tagSpecifications(
                              TagSpecification.builder()
                                  .resourceType(ResourceType.IMPORT_SNAPSHOT_TASK)
                                  .tags(tags)
                                  .build());
                        }
                      }));
    } catch (RuntimeException e) {
      String why = AwsRetryable.describe(e);
      if (VmImportRole.isRoleProblem(why, options.roleName())) {
        throw new UnideployException(
            "ImportSnapshot was refused: " + why + "; " + VmImportRole.ADVICE, e);
      }
      throw new UnideployException(
          "ImportSnapshot failed: "
              + why
              + "; check ec2:ImportSnapshot permission and that the bucket is in this region"
              + " (docs/aws-iam.md)",
          e);
    }
    return response.importTaskId();
  }

  /** DescribeSnapshots through the EC2 client this upload has anyway; empty when not found. */
  private Optional<SnapshotInfo> describeSnapshot(String snapshotId) {
    try {
      return ec2.describeSnapshots(r -> r.snapshotIds(snapshotId)).snapshots().stream()
          .findFirst()
          .map(
              s ->
                  new SnapshotInfo(
                      s.snapshotId(), s.stateAsString(), s.progress(), s.stateMessage()));
    } catch (Ec2Exception e) {
      if ("InvalidSnapshot.NotFound".equals(AwsRetryable.errorCode(e))) {
        return Optional.empty();
      }
      throw e;
    }
  }

  private boolean objectExists(String object, long size) {
    try {
      Long length =
          policy
              .call("HeadObject", () -> s3.headObject(r -> r.bucket(options.bucket()).key(object)))
              .contentLength();
      return length != null && length == size;
    } catch (software.amazon.awssdk.services.s3.model.NoSuchKeyException e) {
      return false;
    } catch (software.amazon.awssdk.services.s3.model.S3Exception e) {
      if (e.statusCode() == 404) {
        return false;
      }
      throw e;
    }
  }

  private void deleteStaged(String object, EventSink events) {
    if (!options.deleteObject()) {
      return;
    }
    try {
      policy.call(
          "DeleteObject", () -> s3.deleteObject(r -> r.bucket(options.bucket()).key(object)));
      events.emit(
          LogEvent.debug(STEP, "deleted the staged s3://" + options.bucket() + "/" + object));
    } catch (RuntimeException e) {
      events.emit(
          LogEvent.warn(
              STEP,
              "could not delete the staged s3://"
                  + options.bucket()
                  + "/"
                  + object
                  + " ("
                  + AwsRetryable.describe(e)
                  + "); delete it by hand to stop paying for it"));
    }
  }

  private String encryptionKey() {
    return options.encrypted()
        ? "enc:" + (options.kmsKeyId() == null ? "default" : options.kmsKeyId())
        : "plain";
  }

  /**
   * A token per staged object, settings and attempt: a retried ImportSnapshot call starts no second
   * task, and a new attempt after a failed task is not answered with the failed one.
   */
  private String token(String object, int attempt) {
    try {
      byte[] d =
          MessageDigest.getInstance("SHA-256")
              .digest(
                  (options.bucket() + "/" + object + "#" + encryptionKey() + "#" + attempt)
                      .getBytes(StandardCharsets.UTF_8));
      return "ud-" + HexFormat.of().formatHex(d).substring(0, 40);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }

  static String awsFormat(TargetFormat format) {
    return switch (format) {
      case VMDK_STREAM -> "VMDK";
      case VHD_FIXED, VHD_DYNAMIC -> "VHD";
      case RAW -> "RAW";
      default ->
          throw new IllegalArgumentException(
              "ImportSnapshot cannot read "
                  + format.cliName()
                  + ": convert to vmdk-stream, vhd-fixed or raw");
    };
  }

  private static long size(Path file) {
    try {
      return Files.size(file);
    } catch (IOException e) {
      throw new UnideployException(
          "cannot read the converted disk " + file + ": " + e.getMessage(), e);
    }
  }

  private SnapshotUploadResult result(
      String snapshotId, long parts, long bytes, boolean resumed, long startNanos) {
    return new SnapshotUploadResult(
        snapshotId,
        parts,
        0,
        bytes,
        resumed,
        Duration.ofNanos(System.nanoTime() - startNanos),
        "import-snapshot");
  }
}
