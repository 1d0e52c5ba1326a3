package dev.unideploy.it.aws.upload;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import software.amazon.awssdk.services.ebs.EbsClient;
import software.amazon.awssdk.services.ebs.model.Block;
import software.amazon.awssdk.services.ebs.model.ListSnapshotBlocksResponse;

/** Reads a snapshot back block by block (ListSnapshotBlocks, GetSnapshotBlock) against a file. */
final class SnapshotReadBack {
  private SnapshotReadBack() {}

  /** Asserts the snapshot holds exactly the non-zero blocks of {@code image}, byte for byte. */
  static void assertHolds(EbsClient ebs, String snapshotId, Path image) throws IOException {
    ListSnapshotBlocksResponse listed = ebs.listSnapshotBlocks(l -> l.snapshotId(snapshotId));
    assertThat(listed.nextToken())
        .as("moto pages nothing; a token means blocks were missed")
        .isNull();
    Map<Integer, String> tokens =
        listed.blocks().stream().collect(Collectors.toMap(Block::blockIndex, Block::blockToken));
    List<Integer> expected = TestImages.nonZeroBlocks(image);
    assertThat(tokens.keySet()).containsExactlyInAnyOrderElementsOf(expected);
    try (FileChannel ch = FileChannel.open(image, StandardOpenOption.READ)) {
      for (int index : expected) {
        byte[] stored =
            ebs.getSnapshotBlockAsBytes(
                    g -> g.snapshotId(snapshotId).blockIndex(index).blockToken(tokens.get(index)))
                .asByteArray();
        byte[] want = TestImages.block(ch, index);
        if (!Arrays.equals(stored, want)) {
          throw new AssertionError(
              "block " + index + " of " + snapshotId + " differs from the image");
        }
      }
    }
  }
}
