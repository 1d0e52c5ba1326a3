package dev.unideploy.it.aws.upload;

import dev.unideploy.image.DiskImage;
import dev.unideploy.image.formats.ImageReaders;
import dev.unideploy.pipeline.events.EventSink;
import dev.unideploy.pipeline.resilience.CallPolicy;
import dev.unideploy.pipeline.state.FileJournal;
import dev.unideploy.provider.aws.upload.EbsUploadOptions;
import dev.unideploy.provider.aws.upload.SnapshotUploadResult;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Runs one EBS upload in its own JVM, so a test can kill it with SIGKILL mid-upload: {@code
 * UploadMain <endpoint> <journal> <image> <sha256> <concurrency>}. Prints the result line.
 */
public final class UploadMain {
  private UploadMain() {}

  public static void main(String[] args) throws Exception {
    URI endpoint = URI.create(args[0]);
    FileJournal journal = FileJournal.open(Path.of(args[1]));
    try (DiskImage disk = ImageReaders.open(Path.of(args[2]))) {
      SnapshotUploadResult r =
          AwsTestClients.directUploader(endpoint, options(Integer.parseInt(args[4])))
              .upload(disk, args[3], journal, EventSink.discard());
      System.out.println("uploaded " + r);
    }
  }

  static EbsUploadOptions options(int concurrency) {
    return EbsUploadOptions.builder()
        .concurrency(concurrency)
        .journalBatch(8, Duration.ofMillis(500))
        .completionWait(Duration.ofMinutes(2), Duration.ofMillis(100))
        .calls(new CallPolicy.Settings(12, Duration.ofMillis(20), Duration.ofMillis(500), 200))
        .blockCallsPerSecond(2000)
        .build();
  }
}
