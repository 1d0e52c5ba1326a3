package dev.unideploy.provider.aws.upload;

import java.io.ByteArrayInputStream;
import java.util.List;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.ebs.EbsClient;
import software.amazon.awssdk.services.ebs.model.ChecksumAggregationMethod;
import software.amazon.awssdk.services.ebs.model.ChecksumAlgorithm;
import software.amazon.awssdk.services.ebs.model.StartSnapshotResponse;
import software.amazon.awssdk.services.ebs.model.Tag;

/**
 * The EBS direct API through the SDK's {@link EbsClient}: its HTTP client, proxy settings and
 * interceptors apply. Chosen with {@code upload.blockClient: sdk} (or {@code auto} behind a proxy);
 * {@link HttpEbsDirectApi} is the default because it costs a fraction of the CPU per block.
 */
public final class SdkEbsDirectApi implements EbsDirectApi {
  private final EbsClient ebs;

  public SdkEbsDirectApi(EbsClient ebs) {
    this.ebs = ebs;
  }

  @Override
  public Started startSnapshot(StartRequest request) {
    List<Tag> tags =
        request.tags().entrySet().stream()
            .map(e -> Tag.builder().key(e.getKey()).value(e.getValue()).build())
            .toList();
    StartSnapshotResponse started =
        ebs.startSnapshot(
            r -> {
              r.volumeSize(request.volumeGib())
                  .clientToken(request.clientToken())
                  .timeout(request.timeoutMinutes())
                  .description(request.description());
              if (!tags.isEmpty()) {
                r.tags(tags);
              }
              if (request.encrypted()) {
                r.encrypted(true);
                if (request.kmsKeyArn() != null) {
                  r.kmsKeyArn(request.kmsKeyArn());
                }
              }
            });
    return new Started(started.snapshotId(), started.statusAsString());
  }

  @Override
  public void putSnapshotBlock(String snapshotId, int blockIndex, byte[] data, byte[] sha256) {
    ebs.putSnapshotBlock(
        r ->
            r.snapshotId(snapshotId)
                .blockIndex(blockIndex)
                .dataLength(data.length)
                .checksum(BlockDigests.base64(sha256))
                .checksumAlgorithm(ChecksumAlgorithm.SHA256),
        // A stream over the pooled buffer: no copy, and the SDK can replay it on retry.
        RequestBody.fromContentProvider(
            () -> new ByteArrayInputStream(data), data.length, "application/octet-stream"));
  }

  @Override
  public String completeSnapshot(String snapshotId, int changedBlocks, String linearChecksum) {
    return ebs.completeSnapshot(
            r ->
                r.snapshotId(snapshotId)
                    .changedBlocksCount(changedBlocks)
                    .checksum(linearChecksum)
                    .checksumAlgorithm(ChecksumAlgorithm.SHA256)
                    .checksumAggregationMethod(ChecksumAggregationMethod.LINEAR))
        .statusAsString();
  }
}
