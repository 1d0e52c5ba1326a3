package dev.unideploy.image.write.gce;

import static org.assertj.core.api.Assertions.assertThat;

import dev.unideploy.image.testing.MemoryDiskImage;
import dev.unideploy.image.write.WriteOptions;
import dev.unideploy.image.write.WriteProgress;
import dev.unideploy.image.write.WriteResult;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Streaming the tarball (as an upload does) gives the bytes the file writer gives. */
class GceTarballStreamTest {
  @TempDir Path dir;

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void streamEqualsFile(boolean sparse) throws IOException {
    MemoryDiskImage image =
        MemoryDiskImage.fromRuns(
            5, new int[][] {{3_000_000, 1}, {5_000_000, 0}, {200_001, 2}, {1_000_000, 1}});
    WriteOptions options = WriteOptions.defaults().withSparse(sparse);
    Path file = dir.resolve("disk.tar.gz");
    WriteResult fromFile;
    try (FileChannel out =
        FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
      fromFile = new GceTarballWriter().write(image, out, options, WriteProgress.NONE);
    }
    ByteArrayOutputStream stream = new ByteArrayOutputStream();
    WriteResult fromStream =
        new GceTarballWriter()
            .writeStream(image, Channels.newChannel(stream), options, WriteProgress.NONE);

    assertThat(stream.toByteArray()).isEqualTo(Files.readAllBytes(file));
    assertThat(fromStream).isEqualTo(fromFile);
    assertThat(fromStream.outputBytes()).isEqualTo(stream.size());
  }
}
