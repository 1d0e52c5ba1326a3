package dev.unideploy.provider.gcp.upload;

import dev.unideploy.image.ContentHash;
import dev.unideploy.image.DiskImage;
import dev.unideploy.pipeline.convert.ImageOpener;
import dev.unideploy.pipeline.events.EventSink;
import dev.unideploy.pipeline.state.MemoryJournal;
import dev.unideploy.provider.gcp.api.GcpClients;
import dev.unideploy.provider.gcp.config.GcpSettings;
import dev.unideploy.provider.gcp.config.GcpUploadSettings;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.HexFormat;
import java.util.Locale;

/**
 * The unideploy side of bench/gcp-upload.sh (not a test): opens one image as publish does, hashes
 * it (timed apart: the pipeline hashes once for the image's identity, the reference tools do not
 * hash at all) and streams it to Cloud Storage as the Compute Engine tarball, then prints one JSON
 * line. {@code GcsUploadBench <storage endpoint> <bucket> <image> [chunkMiB] [threads]}; the
 * environment variable {@code PART_MIB} sets {@code upload.partMiB} (default: unideploy's). The
 * object is named by a random key, so repeated runs never reuse an object.
 */
public final class GcsUploadBench {
  private GcsUploadBench() {}

  public static void main(String[] args) throws Exception {
    URI storage = URI.create(args[0]);
    String bucket = args[1];
    Path image = Path.of(args[2]);
    int chunkMiB = args.length > 3 ? Integer.parseInt(args[3]) : 16;
    Integer threads = args.length > 4 ? Integer.valueOf(args[4]) : null;
    String partMiB = System.getenv("PART_MIB");
    GcpSettings settings =
        new GcpSettings(
            "unideploy-bench",
            bucket,
            "bench/",
            null,
            GcpSettings.NONE,
            new GcpSettings.Endpoints(null, storage),
            null,
            null,
            new GcpUploadSettings(
                chunkMiB,
                partMiB == null || partMiB.isEmpty() ? null : Integer.valueOf(partMiB),
                true,
                6,
                threads,
                null),
            null,
            null,
            null);
    String key = HexFormat.of().formatHex(SecureRandom.getSeed(32));
    long t0 = System.nanoTime();
    try (GcpClients clients = new GcpClients(settings);
        DiskImage disk = ImageOpener.openForCopy(image, null)) {
      long t1 = System.nanoTime();
      ContentHash.sha256(disk);
      long t2 = System.nanoTime();
      Path work = Files.createTempDirectory("gcs-bench");
      TarballUploader uploader =
          new TarballUploader(
              clients.uploadRequests(),
              clients.storageRoot(),
              new JsonObjects(clients.uploadRequests(), clients.storageRoot(), clients.calls()),
              new MemoryJournal(),
              work,
              Clock.systemUTC(),
              EventSink.discard(),
              settings.retry().maxAttempts());
      TarballUploadResult r =
          uploader.upload(
              disk,
              new TarballUploader.Target(
                  bucket, "bench/" + key + ".tar.gz", key, "bench", settings.upload()));
      long t3 = System.nanoTime();
      System.out.printf(
          Locale.ROOT,
          "{\"openSeconds\":%.3f,\"hashSeconds\":%.3f,\"uploadSeconds\":%.3f,"
              + "\"objectBytes\":%d,\"bytesSent\":%d,\"crc32c\":\"%s\",\"object\":\"%s\"}%n",
          (t1 - t0) / 1e9,
          (t2 - t1) / 1e9,
          (t3 - t2) / 1e9,
          r.size(),
          r.bytesSent(),
          r.crc32c(),
          r.object());
    }
  }
}
