package dev.unideploy.it.gcp.publish;

import dev.unideploy.image.ContentHash;
import dev.unideploy.image.DiskImage;
import dev.unideploy.image.formats.ImageReaders;
import dev.unideploy.pipeline.events.EventSink;
import dev.unideploy.pipeline.state.FileJournal;
import dev.unideploy.pipeline.state.Journal;
import dev.unideploy.provider.gcp.api.GcpClients;
import dev.unideploy.provider.gcp.config.GcpSettings;
import dev.unideploy.provider.gcp.config.GcpUploadSettings;
import dev.unideploy.provider.gcp.upload.JsonObjects;
import dev.unideploy.provider.gcp.upload.TarballUploadResult;
import dev.unideploy.provider.gcp.upload.TarballUploader;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;

/**
 * Tarball uploads as the publisher makes them, outside the pipeline; {@link #main} runs one in its
 * own JVM so a test can kill it: {@code GcsUploads <storage> <bucket> <journal> <workDir> <image>
 * <chunkMiB> [partMiB]}.
 */
final class GcsUploads {
  private GcsUploads() {}

  static GcpSettings settings(URI storage, String bucket, int chunkMiB) {
    return settings(storage, bucket, chunkMiB, null);
  }

  static GcpSettings settings(URI storage, String bucket, int chunkMiB, Integer partMiB) {
    return new GcpSettings(
        "unideploy-it",
        bucket,
        null,
        null,
        GcpSettings.NONE,
        new GcpSettings.Endpoints(null, storage),
        null,
        null,
        new GcpUploadSettings(chunkMiB, partMiB, true, 6, 2, null),
        null,
        null,
        null);
  }

  static TarballUploadResult upload(
      URI storage, String bucket, Journal journal, Path workDir, Path image, int chunkMiB)
      throws IOException {
    return upload(storage, bucket, journal, workDir, image, chunkMiB, null);
  }

  static TarballUploadResult upload(
      URI storage,
      String bucket,
      Journal journal,
      Path workDir,
      Path image,
      int chunkMiB,
      Integer partMiB)
      throws IOException {
    try (GcpClients clients = new GcpClients(settings(storage, bucket, chunkMiB, partMiB));
        DiskImage disk = ImageReaders.open(image)) {
      String sha = ContentHash.sha256(disk);
      TarballUploader uploader =
          new TarballUploader(
              clients.uploadRequests(),
              clients.storageRoot(),
              new JsonObjects(clients.uploadRequests(), clients.storageRoot(), clients.calls()),
              journal,
              workDir,
              Clock.systemUTC(),
              EventSink.discard(),
              clients.settings().retry().maxAttempts());
      return uploader.upload(
          disk,
          new TarballUploader.Target(
              bucket, object(sha), sha, "upload-it", clients.settings().upload()));
    }
  }

  static String object(String sha) {
    return "unideploy/" + sha + ".tar.gz";
  }

  public static void main(String[] args) throws Exception {
    TarballUploadResult r =
        upload(
            URI.create(args[0]),
            args[1],
            FileJournal.open(Path.of(args[2])),
            Path.of(args[3]),
            Path.of(args[4]),
            Integer.parseInt(args[5]),
            args.length > 6 ? Integer.valueOf(args[6]) : null);
    System.out.println("uploaded " + r);
  }
}
