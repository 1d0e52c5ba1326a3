package dev.unideploy.provider.azure.publish;

import com.azure.core.management.exception.ManagementException;
import com.azure.resourcemanager.compute.fluent.DisksClient;
import com.azure.resourcemanager.compute.fluent.models.DiskInner;
import com.azure.resourcemanager.compute.models.AccessLevel;
import com.azure.resourcemanager.compute.models.CreationData;
import com.azure.resourcemanager.compute.models.DiskCreateOption;
import com.azure.resourcemanager.compute.models.DiskSku;
import com.azure.resourcemanager.compute.models.DiskState;
import com.azure.resourcemanager.compute.models.DiskStorageAccountTypes;
import com.azure.resourcemanager.compute.models.GrantAccessData;
import com.azure.resourcemanager.compute.models.HyperVGeneration;
import com.azure.resourcemanager.compute.models.OperatingSystemTypes;
import dev.unideploy.image.DiskImage;
import dev.unideploy.pipeline.UnideployException;
import dev.unideploy.pipeline.events.EventSink;
import dev.unideploy.pipeline.events.LogEvent;
import dev.unideploy.pipeline.resilience.CallPolicy;
import dev.unideploy.pipeline.spi.PublishRequest;
import dev.unideploy.provider.azure.core.AzureClients;
import dev.unideploy.provider.azure.core.AzureErrors;
import dev.unideploy.provider.azure.core.AzureSettings;
import dev.unideploy.provider.azure.core.Lro;
import dev.unideploy.provider.azure.upload.HttpPageWriter;
import dev.unideploy.provider.azure.upload.JournalProgress;
import dev.unideploy.provider.azure.upload.VhdUploader;
import java.time.Clock;
import java.util.Map;

/**
 * The default upload route: a managed disk created for upload ({@code createOption: Upload} with
 * {@code uploadSizeBytes}), written through the SAS URL that {@code beginGetAccess(Write)} returns,
 * then sealed with {@code endGetAccess}. See
 * https://learn.microsoft.com/azure/virtual-machines/linux/disks-upload-vhd-to-managed-disk-cli.
 *
 * <p>The disk is named after the content ({@code <app>-<sha8>-upload}, a generation suffix after an
 * abandoned attempt), so a re-run finds it; the journal says which windows it already holds.
 */
final class ManagedDiskUpload {
  /** Upload SAS lifetime: long enough for a slow link; a resume asks for a new one anyway. */
  static final int SAS_SECONDS = 24 * 3600;

  private final AzureClients clients;
  private final AzureSettings settings;
  private final EventSink events;
  private final Clock clock;

  ManagedDiskUpload(AzureClients clients, EventSink events, Clock clock) {
    this.clients = clients;
    this.settings = clients.settings();
    this.events = events;
    this.clock = clock;
  }

  /** Uploads {@code disk}; returns the disk's resource id and what was done. */
  UploadOutcome upload(PublishRequest request, DiskImage disk, HyperVGeneration generation) {
    DisksClient disks = clients.compute().getDisks();
    String rg = settings.requireResourceGroup();
    long size = VhdUploader.blobSize(disk);
    String key = request.contentSha256() + "|" + size + "|managed-disk";
    var journal = request.context().journal();
    JournalProgress.Previous prev = JournalProgress.previous(journal, clock, key);
    int gen = prev.generation();
    String name = diskName(request, gen);
    DiskInner existing = find(disks, rg, name);

    if (existing != null && prev.finished() && existing.id().equalsIgnoreCase(prev.target())) {
      events.emit(
          LogEvent.info("upload", "disk " + name + " already holds this image (uploaded earlier)"));
      return new UploadOutcome(existing.id(), null, true);
    }
    JournalProgress progress;
    if (existing != null && existing.id().equalsIgnoreCase(prev.target()) && uploadable(existing)) {
      progress = JournalProgress.resume(journal, clock, key, existing.id());
    } else {
      if (existing != null) {
        // Not ours to trust (no journal record, or already sealed without a finished upload).
        String why = "disk " + name + " is " + existing.diskState() + " without a finished upload";
        abandon(disks, rg, existing);
        JournalProgress.abandon(journal, clock, key, existing.id(), gen, why);
        events.emit(LogEvent.warn("upload", why + ": deleted it; uploading to a new disk"));
        gen++;
        name = diskName(request, gen);
      }
      DiskInner created = create(disks, rg, name, size, generation, AzureTags.forUpload(request));
      progress = JournalProgress.start(journal, clock, key, created.id(), gen, size);
      events.emit(
          LogEvent.info("upload", "created disk " + name + " for upload (" + size + " bytes)"));
    }
    String diskId = progressTarget(disks, rg, name);
    String sas =
        Lro.await(
                disks.beginGrantAccess(
                    rg,
                    name,
                    new GrantAccessData()
                        .withAccess(AccessLevel.WRITE)
                        .withDurationInSeconds(SAS_SECONDS)),
                "write access to disk " + name,
                settings.waits().operation(),
                settings.waits().pollInterval())
            .accessSas();
    if (sas == null) {
      throw new UnideployException(
          "Azure granted write access to disk " + name + " without a SAS URL; re-run");
    }
    VhdUploader.Result result;
    try {
      result =
          new VhdUploader(events, settings.upload().concurrency())
              .upload(
                  disk,
                  VhdUploader.footer(
                      disk, request.contentSha256(), clock.instant().getEpochSecond()),
                  new HttpPageWriter(sas, pagePolicy(), settings.retry().callTimeout()),
                  progress);
    } finally {
      sas = null; // dropped as soon as possible: it grants write access to the disk
    }
    Lro.await(
        disks.beginRevokeAccess(rg, name),
        "sealing disk " + name + " (endGetAccess)",
        settings.waits().operation(),
        settings.waits().pollInterval());
    progress.finished();
    return new UploadOutcome(diskId, result, false);
  }

  /** Retries of Put Page; the rate limit is far above what a 4 MiB call per window reaches. */
  private CallPolicy pagePolicy() {
    return new CallPolicy(
        CallPolicy.Settings.defaults()
            .withMaxAttempts(settings.retry().maxAttempts())
            .withCallsPerSecond(1000),
        HttpPageWriter::retryable);
  }

  static String diskName(PublishRequest request, int generation) {
    return request.app()
        + "-"
        + request.sha8()
        + "-upload"
        + (generation == 0 ? "" : "-g" + generation);
  }

  private String progressTarget(DisksClient disks, String rg, String name) {
    DiskInner d = find(disks, rg, name);
    if (d == null) {
      throw new UnideployException("disk " + name + " vanished during the upload; re-run");
    }
    return d.id();
  }

  private static boolean uploadable(DiskInner d) {
    return DiskState.READY_TO_UPLOAD.equals(d.diskState())
        || DiskState.ACTIVE_UPLOAD.equals(d.diskState());
  }

  private DiskInner create(
      DisksClient disks,
      String rg,
      String name,
      long size,
      HyperVGeneration generation,
      Map<String, String> tags) {
    DiskInner spec =
        new DiskInner()
            .withLocation(settings.requireLocation())
            .withTags(tags)
            .withSku(
                new DiskSku()
                    .withName(DiskStorageAccountTypes.fromString(settings.upload().diskSku())))
            .withOsType(OperatingSystemTypes.LINUX)
            .withHyperVGeneration(generation)
            .withCreationData(
                new CreationData()
                    .withCreateOption(DiskCreateOption.UPLOAD)
                    .withUploadSizeBytes(size));
    try {
      return Lro.await(
          disks.beginCreateOrUpdate(rg, name, spec),
          "creating disk " + name,
          settings.waits().operation(),
          settings.waits().pollInterval());
    } catch (UnideployException e) {
      throw e;
    }
  }

  private void abandon(DisksClient disks, String rg, DiskInner d) {
    if (DiskState.ACTIVE_UPLOAD.equals(d.diskState())
        || DiskState.ACTIVE_SAS.equals(d.diskState())) {
      Lro.await(
          disks.beginRevokeAccess(rg, d.name()),
          "revoking access to disk " + d.name(),
          settings.waits().operation(),
          settings.waits().pollInterval());
    }
    Lro.await(
        disks.beginDelete(rg, d.name()),
        "deleting disk " + d.name(),
        settings.waits().operation(),
        settings.waits().pollInterval());
  }

  static DiskInner find(DisksClient disks, String rg, String name) {
    try {
      return disks.getByResourceGroup(rg, name);
    } catch (ManagementException e) {
      if (AzureErrors.notFound(e)) {
        return null;
      }
      throw Lro.failed("reading disk " + name, e);
    }
  }
}
