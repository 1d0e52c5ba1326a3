package dev.unideploy.provider.azure.upload;

import com.azure.storage.blob.specialized.PageBlobClient;
import com.azure.storage.blob.specialized.SpecializedBlobClientBuilder;
import dev.unideploy.image.DiskImage;
import dev.unideploy.image.ReadOptions;
import dev.unideploy.image.formats.ImageReaders;
import dev.unideploy.pipeline.events.EventSink;
import dev.unideploy.pipeline.resilience.CallPolicy;
import dev.unideploy.pipeline.state.FileJournal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;

/**
 * One page-blob upload for bench/azure-upload.sh, as publish's upload step does it: the image
 * opened as publish opens it (file holes, no content scan), a page blob of the fixed VHD's size
 * created at the SAS URL, the pages and the footer written by {@link VhdUploader} with its journal
 * on disk. Prints the calls and bytes sent.
 *
 * <p>usage: AzureUploadBench IMAGE SAS_URL CONCURRENCY JOURNAL [http|sdk] (http: the managed-disk
 * route's {@link HttpPageWriter}, the default; sdk: the storage SDK's page blob client)
 */
public final class AzureUploadBench {
  private AzureUploadBench() {}

  public static void main(String[] args) throws Exception {
    Path image = Path.of(args[0]);
    int concurrency = Integer.parseInt(args[2]);
    Path journalFile = Path.of(args[3]);
    Files.deleteIfExists(journalFile);
    try (DiskImage disk =
        ImageReaders.open(
            image,
            null,
            new ReadOptions(false, ReadOptions.DEFAULT_ZERO_GRANULARITY, false, true))) {
      long size = VhdUploader.blobSize(disk);
      PageBlobClient blob =
          new SpecializedBlobClientBuilder().endpoint(args[1]).buildPageBlobClient();
      blob.create(size, true);
      JournalProgress progress =
          JournalProgress.start(
              FileJournal.open(journalFile), Clock.systemUTC(), "bench", "blob", 0, size);
      VhdUploader.Result r =
          new VhdUploader(EventSink.discard(), concurrency)
              .upload(
                  disk,
                  VhdUploader.footer(disk, "0".repeat(64), 0),
                  args.length > 4 && args[4].equals("sdk")
                      ? new SdkPageWriter(blob, Duration.ofSeconds(60))
                      : new HttpPageWriter(
                          args[1],
                          new CallPolicy(
                              CallPolicy.Settings.defaults().withCallsPerSecond(1000),
                              HttpPageWriter::retryable),
                          Duration.ofSeconds(60)),
                  progress);
      System.out.println(
          "putPageCalls="
              + r.putPageCalls()
              + " bytes="
              + r.bytesSent()
              + " zeroWindows="
              + r.zeroWindows());
    }
  }
}
