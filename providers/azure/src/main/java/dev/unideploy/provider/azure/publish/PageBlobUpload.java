package dev.unideploy.provider.azure.publish;

import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.BlobServiceClientBuilder;
import com.azure.storage.blob.specialized.PageBlobClient;
import dev.unideploy.image.DiskImage;
import dev.unideploy.pipeline.events.EventSink;
import dev.unideploy.pipeline.events.LogEvent;
import dev.unideploy.pipeline.spi.PublishRequest;
import dev.unideploy.provider.azure.core.AzureClients;
import dev.unideploy.provider.azure.core.AzureSettings;
import dev.unideploy.provider.azure.upload.JournalProgress;
import dev.unideploy.provider.azure.upload.SdkPageWriter;
import dev.unideploy.provider.azure.upload.VhdUploader;
import java.time.Clock;

/**
 * The alternative upload route, for accounts that prefer a storage account: a page blob {@code
 * <app>/<sha256>.vhd} in {@code upload.container}, written page by page like the managed disk, then
 * given to the gallery as a VHD source ({@code uri} + {@code storageAccountId}). Entra ID
 * authenticates (role Storage Blob Data Contributor), or {@code AZURE_STORAGE_CONNECTION_STRING}
 * when set (an account key; never read from the config file).
 */
final class PageBlobUpload {
  private final AzureClients clients;
  private final AzureSettings settings;
  private final EventSink events;
  private final Clock clock;

  PageBlobUpload(AzureClients clients, EventSink events, Clock clock) {
    this.clients = clients;
    this.settings = clients.settings();
    this.events = events;
    this.clock = clock;
  }

  /** The storage account's ARM id, which a gallery version from a blob needs. */
  String storageAccountId() {
    return "/subscriptions/"
        + clients.subscription()
        + "/resourceGroups/"
        + settings.requireResourceGroup()
        + "/providers/Microsoft.Storage/storageAccounts/"
        + settings.upload().storageAccount();
  }

  BlobContainerClient container() {
    AzureSettings.UploadSettings u = settings.upload();
    BlobServiceClientBuilder b = new BlobServiceClientBuilder().httpClient(clients.http());
    String cs = System.getenv("AZURE_STORAGE_CONNECTION_STRING");
    if (cs != null && !cs.isBlank()) {
      b.connectionString(cs);
    } else {
      b.credential(clients.credential());
    }
    String endpoint =
        u.blobEndpoint() != null
            ? u.blobEndpoint().toString()
            : "https://" + u.storageAccount() + ".blob.core.windows.net";
    return b.endpoint(endpoint).buildClient().getBlobContainerClient(u.container());
  }

  UploadOutcome upload(PublishRequest request, DiskImage disk) {
    long size = VhdUploader.blobSize(disk);
    String key = request.contentSha256() + "|" + size + "|page-blob";
    var journal = request.context().journal();
    BlobContainerClient container = container();
    if (!container.exists()) {
      container.create();
    }
    String name = request.app() + "/" + request.contentSha256() + ".vhd";
    PageBlobClient blob = container.getBlobClient(name).getPageBlobClient();
    String url = blob.getBlobUrl();
    JournalProgress.Previous prev = JournalProgress.previous(journal, clock, key);
    boolean exists = blob.exists();
    if (exists && prev.finished() && url.equals(prev.target())) {
      events.emit(
          LogEvent.info("upload", "blob " + name + " already holds this image (uploaded earlier)"));
      return new UploadOutcome(url, null, true);
    }
    JournalProgress progress;
    if (exists && url.equals(prev.target())) {
      progress = JournalProgress.resume(journal, clock, key, url);
    } else {
      // No journal record for an existing blob: its pages cannot be trusted, so start it afresh.
      blob.createWithResponse(
          size,
          0L,
          null,
          AzureTags.forUpload(request).entrySet().stream()
              .collect(
                  java.util.stream.Collectors.toMap(
                      e -> e.getKey().replace(':', '_').replace('-', '_'),
                      java.util.Map.Entry::getValue)),
          null,
          settings.retry().callTimeout(),
          com.azure.core.util.Context.NONE);
      progress = JournalProgress.start(journal, clock, key, url, prev.generation(), size);
      events.emit(LogEvent.info("upload", "created page blob " + name + " (" + size + " bytes)"));
    }
    VhdUploader.Result result =
        new VhdUploader(events, settings.upload().concurrency())
            .upload(
                disk,
                VhdUploader.footer(disk, request.contentSha256(), clock.instant().getEpochSecond()),
                new SdkPageWriter(blob, settings.retry().callTimeout()),
                progress);
    progress.finished();
    return new UploadOutcome(url, result, false);
  }

  void delete(String url) {
    String prefix = container().getBlobContainerUrl() + "/";
    if (url.startsWith(prefix)) {
      container()
          .getBlobClient(
              java.net.URLDecoder.decode(
                  url.substring(prefix.length()), java.nio.charset.StandardCharsets.UTF_8))
          .deleteIfExists();
    }
  }
}
