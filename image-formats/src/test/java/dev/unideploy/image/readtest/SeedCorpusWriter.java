package dev.unideploy.image.readtest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes the crafted images as Jazzer seeds for {@code ReaderFuzzTest}, byte for byte the committed
 * ones. {@code scripts/regenerate-fuzz-seeds.sh} runs it; the optional argument is the corpus
 * folder (default: the one under {@code src/test/resources}, relative to image-formats/).
 */
public final class SeedCorpusWriter {
  private SeedCorpusWriter() {}

  public static void main(String[] args) throws IOException {
    Path root =
        Path.of(
            args.length > 0
                ? args[0]
                : "src/test/resources/dev/unideploy/image/ReaderFuzzTestInputs");
    write(root.resolve("fuzzQcow2/v3-deflate"), CraftedImages.qcow2(3, false).file());
    write(root.resolve("fuzzQcow2/v3-zstd"), CraftedImages.qcow2(3, true).file());
    write(root.resolve("fuzzQcow2/v2"), CraftedImages.qcow2(2, false).file());
    write(root.resolve("fuzzVmdk/sparse"), CraftedImages.vmdkSparse().file());
    write(root.resolve("fuzzVmdk/stream"), CraftedImages.vmdkStream().file());
    write(root.resolve("fuzzVhd/dynamic"), CraftedImages.vhdDynamic().file());
    write(root.resolve("fuzzVhd/fixed"), CraftedImages.vhdFixed().file());
    write(root.resolve("fuzzDetectedAndRaw/qcow2"), CraftedImages.qcow2(3, false).file());
    write(root.resolve("fuzzDetectedAndRaw/vhd-fixed"), CraftedImages.vhdFixed().file());
    write(root.resolve("fuzzDetectedAndRaw/vmdk-stream"), CraftedImages.vmdkStream().file());
    write(root.resolve("fuzzDetectedAndRaw/raw"), CraftedImages.pattern(4096, 1));
    write(root.resolve("fuzzQcow2/compressed"), CraftedImages.qcow2Compressed(12, 8, false).file());
    write(root.resolve("fuzzVmdkDescriptor/monolithic-flat"), FuzzHarness.FLAT_DESCRIPTOR);
    write(root.resolve("fuzzGceTarball/sparse"), CraftedTarballs.sparse().file());
    write(root.resolve("fuzzGceTarball/regular"), CraftedTarballs.regular().file());
  }

  private static void write(Path file, byte[] bytes) throws IOException {
    Files.createDirectories(file.getParent());
    Files.write(file, bytes);
  }
}
