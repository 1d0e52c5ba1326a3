package dev.unideploy.provider.azure.publish;

import com.azure.resourcemanager.compute.fluent.models.GalleryImageVersionInner;
import com.azure.resourcemanager.compute.models.Architecture;
import com.azure.resourcemanager.compute.models.GalleryDiskImageSource;
import com.azure.resourcemanager.compute.models.GalleryProvisioningState;
import com.azure.resourcemanager.compute.models.HyperVGeneration;
import dev.unideploy.image.TargetFormat;
import dev.unideploy.pipeline.UnideployException;
import dev.unideploy.pipeline.config.PublishSettings;
import dev.unideploy.pipeline.events.LogEvent;
import dev.unideploy.pipeline.qemu.DiskController;
import dev.unideploy.pipeline.spi.ImagePublisher;
import dev.unideploy.pipeline.spi.ProviderContext;
import dev.unideploy.pipeline.spi.PublishRequest;
import dev.unideploy.pipeline.spi.PublishedImage;
import dev.unideploy.pipeline.spi.RegionImage;
import dev.unideploy.pipeline.spi.RetiredImage;
import dev.unideploy.pipeline.spi.UploadSource;
import dev.unideploy.pipeline.spi.UploadedDisk;
import dev.unideploy.provider.azure.core.AzureClients;
import dev.unideploy.provider.azure.core.AzureSettings;
import dev.unideploy.provider.azure.core.Lro;
import dev.unideploy.provider.azure.upload.VhdUploader;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Publishes to Azure: the disk is streamed as a fixed VHD into a managed disk (or a page blob), an
 * image version of the app's gallery image definition is made from it per release and replicated to
 * the target regions (each reported as it completes), and the app's old versions are retired with
 * the disks and blobs behind them. Every step finds earlier work by the version's tags.
 */
public final class AzureImagePublisher implements ImagePublisher {
  private static final Pattern SEMVER =
      Pattern.compile("v?(\\d{1,9})\\.(\\d{1,9})(?:\\.(\\d{1,9}))?");

  private final ProviderContext context;
  private final AzureSettings settings;
  private final AzureClients clients;
  private final String toolVersion;
  private final GalleryRegistrar registrar;
  private final ReplicationWatcher watcher;

  public AzureImagePublisher(ProviderContext context, AzureClients clients, String toolVersion) {
    this.context = context;
    this.settings = clients.settings();
    this.clients = clients;
    this.toolVersion = toolVersion;
    this.registrar = new GalleryRegistrar(clients, context.events());
    this.watcher = new ReplicationWatcher(context.events(), settings.waits().pollInterval());
  }

  @Override
  public DiskController verifyController() {
    // Generation 1 VMs boot from an IDE disk; generation 2 from SCSI (storvsc on Hyper-V).
    return generation(context.config().publish()) == HyperVGeneration.V1
        ? DiskController.IDE
        : DiskController.VIRTIO_SCSI;
  }

  @Override
  public TargetFormat uploadFormat(PublishRequest request) {
    // The upload writes the disk's pages itself and adds the VHD footer: no converted file.
    return TargetFormat.RAW;
  }

  static HyperVGeneration generation(PublishSettings p) {
    return p.bootMode() == PublishSettings.BootMode.LEGACY_BIOS
        ? HyperVGeneration.V1
        : HyperVGeneration.V2;
  }

  GalleryRegistrar.Definition definition(PublishRequest r) {
    AzureSettings.GallerySettings g = settings.gallery();
    HyperVGeneration gen = generation(r.settings());
    Architecture arch =
        r.settings().architecture() == PublishSettings.Architecture.ARM64
            ? Architecture.ARM64
            : Architecture.X64;
    if (arch == Architecture.ARM64 && gen == HyperVGeneration.V1) {
      throw new UnideployException(
          "publish.architecture arm64 needs UEFI on Azure (generation 2): set publish.bootMode: uefi");
    }
    return new GalleryRegistrar.Definition(
        g.image() != null ? g.image() : r.app(),
        g.publisher() != null ? g.publisher() : "unideploy",
        g.offer() != null ? g.offer() : r.app(),
        g.sku() != null ? g.sku() : "unikernel",
        gen,
        arch);
  }

  /** The gallery version for the release: MAJOR.MINOR.PATCH, as galleries require. */
  static String galleryVersion(String version) {
    Matcher m = SEMVER.matcher(version);
    if (!m.matches()) {
      throw new UnideployException(
          "version '"
              + version
              + "' cannot name an Azure gallery image version, which must be MAJOR.MINOR.PATCH"
              + " (numbers only): set version: 1.2.3 or pass --version");
    }
    return Integer.parseInt(m.group(1))
        + "."
        + Integer.parseInt(m.group(2))
        + "."
        + (m.group(3) == null ? 0 : Integer.parseInt(m.group(3)));
  }

  String fingerprint(PublishRequest r) {
    GalleryRegistrar.Definition d = definition(r);
    return AzureTags.fingerprint(
        "gallery=" + settings.gallery().name(),
        "image=" + d.name(),
        "generation=" + d.generation(),
        "architecture=" + d.architecture(),
        "upload=" + settings.upload().method());
  }

  private String home() {
    return settings.requireLocation();
  }

  @Override
  public Optional<PublishedImage> findExisting(PublishRequest request) {
    GalleryRegistrar.Definition d = definition(request);
    String ver = galleryVersion(request.version());
    GalleryImageVersionInner v = registrar.version(d.name(), ver);
    if (v == null) {
      return Optional.empty();
    }
    Map<String, String> tags = v.tags() == null ? Map.of() : v.tags();
    if (!request.contentSha256().equals(tags.get(AzureTags.SHA256))) {
      throw new UnideployException(
          "image version "
              + d.name()
              + "/"
              + ver
              + " already exists with other content (sha256 "
              + tags.getOrDefault(AzureTags.SHA256, "unknown")
              + "); gallery versions cannot be replaced: bump the version");
    }
    if (!fingerprint(request).equals(tags.get(AzureTags.SETTINGS))) {
      throw new UnideployException(
          "image version "
              + d.name()
              + "/"
              + ver
              + " was published with other settings; bump the version");
    }
    return Optional.of(
        new PublishedImage(v.id(), d.name() + "/" + ver, home(), true, attributes(v)));
  }

  @Override
  public UploadedDisk upload(PublishRequest request, UploadSource source) {
    long start = System.nanoTime();
    UploadOutcome out =
        settings.upload().pageBlob()
            ? new PageBlobUpload(clients, context.events(), context.clock())
                .upload(request, source.disk())
            : new ManagedDiskUpload(clients, context.events(), context.clock())
                .upload(request, source.disk(), generation(request.settings()));
    Map<String, String> details = new LinkedHashMap<>();
    long size = VhdUploader.blobSize(source.disk());
    long sent = 0;
    if (out.result() != null) {
      sent = out.result().bytesSent();
      details.put("putPageCalls", String.valueOf(out.result().putPageCalls()));
      details.put("zeroWindowsSkipped", String.valueOf(out.result().zeroWindows()));
      details.put("windowsResumed", String.valueOf(out.result().windowsResumed()));
    }
    return new UploadedDisk(
        out.handle(),
        settings.upload().method(),
        sent,
        size - sent,
        out.reused() || (out.result() != null && out.result().resumed()),
        java.time.Duration.ofNanos(System.nanoTime() - start),
        details);
  }

  @Override
  public PublishedImage register(PublishRequest request, UploadedDisk disk) {
    GalleryRegistrar.Definition d = definition(request);
    String ver = galleryVersion(request.version());
    registrar.ensureDefinition(d);
    Instant now = context.clock().instant();
    Map<String, String> tags =
        AzureTags.forImage(request, fingerprint(request), toolVersion, now, disk.handle());
    GalleryDiskImageSource source =
        settings.upload().pageBlob()
            ? new GalleryDiskImageSource()
                .withUri(disk.handle())
                .withStorageAccountId(
                    new PageBlobUpload(clients, context.events(), context.clock())
                        .storageAccountId())
            : new GalleryDiskImageSource().withId(disk.handle());
    if (registrar.version(d.name(), ver) == null) {
      registrar.putVersion(
          d.name(), ver, tags, source, OffsetDateTime.ofInstant(now, ZoneOffset.UTC));
      context
          .events()
          .emit(LogEvent.info("register", "creating image version " + d.name() + "/" + ver));
    }
    Map<String, ReplicationWatcher.RegionState> ended =
        watcher.watch(
            () -> registrar.version(d.name(), ver),
            regions(),
            List.of(home()),
            settings.waits().replication(),
            "image version " + d.name() + "/" + ver);
    ReplicationWatcher.RegionState h = ended.get(home());
    if (h == null || !h.completed()) {
      throw new UnideployException(
          "image version "
              + d.name()
              + "/"
              + ver
              + " failed in the home region "
              + home()
              + ": "
              + (h == null ? "no status" : h.details())
              + "; fix the cause and re-run");
    }
    GalleryImageVersionInner v = registrar.version(d.name(), ver);
    return new PublishedImage(v.id(), d.name() + "/" + ver, home(), false, attributes(v));
  }

  private List<String> regions() {
    return settings.allRegions().stream().map(AzureSettings.TargetRegion::name).toList();
  }

  @Override
  public List<RegionImage> replicate(PublishRequest request, PublishedImage image) {
    GalleryRegistrar.Definition d = definition(request);
    String ver = galleryVersion(request.version());
    List<String> others = regions().stream().filter(r -> !r.equals(home())).toList();
    GalleryImageVersionInner v = registrar.version(d.name(), ver);
    if (v == null) {
      throw new UnideployException("image version " + d.name() + "/" + ver + " vanished; re-run");
    }
    List<String> configured = new ArrayList<>();
    if (v.publishingProfile() != null && v.publishingProfile().targetRegions() != null) {
      v.publishingProfile()
          .targetRegions()
          .forEach(t -> configured.add(ReplicationWatcher.norm(t.name())));
    }
    boolean failed = GalleryProvisioningState.FAILED.equals(v.provisioningState());
    if (failed || !configured.containsAll(regions())) {
      context
          .events()
          .emit(
              LogEvent.info(
                  "replicate",
                  failed ? "retrying the regions that failed" : "adding target regions " + others));
      registrar.putVersion(
          d.name(),
          ver,
          v.tags(),
          v.storageProfile().osDiskImage().source(),
          OffsetDateTime.ofInstant(context.clock().instant(), ZoneOffset.UTC));
    }
    if (others.isEmpty()) {
      return List.of();
    }
    Map<String, ReplicationWatcher.RegionState> ended =
        watcher.watch(
            () -> registrar.version(d.name(), ver),
            regions(),
            regions(),
            settings.waits().replication(),
            "image version " + d.name() + "/" + ver);
    List<RegionImage> out = new ArrayList<>();
    for (String r : others) {
      ReplicationWatcher.RegionState s = ended.get(r);
      if (s != null && s.completed()) {
        out.add(RegionImage.ok(r, v.id(), image.reused() && !failed, Map.of("version", ver)));
      } else {
        out.add(RegionImage.failed(r, s == null ? "no replication status" : s.details()));
      }
    }
    return out;
  }

  @Override
  public void share(PublishRequest request, List<RegionImage> images) {
    context
        .events()
        .emit(
            LogEvent.info(
                "share",
                "the gallery's latest version is the newest one not excluded from latest; access is Azure"
                    + " RBAC on the gallery (not changed by unideploy)"));
  }

  @Override
  public List<RetiredImage> retire(PublishRequest request, boolean dryRun) {
    int keep = request.settings().keep();
    if (keep <= 0) {
      context.events().emit(LogEvent.info("retire", "publish.keep is 0: keeping every version"));
      return List.of();
    }
    GalleryRegistrar.Definition d = definition(request);
    List<GalleryImageVersionInner> ours = new ArrayList<>();
    for (GalleryImageVersionInner v : registrar.versions(d.name())) {
      if (AzureTags.ours(v.tags(), request.app())
          && GalleryProvisioningState.SUCCEEDED.equals(v.provisioningState())) {
        ours.add(v);
      }
    }
    ours.sort(
        Comparator.comparing(
                (GalleryImageVersionInner v) -> v.tags().getOrDefault(AzureTags.PUBLISHED_AT, ""))
            .reversed()
            .thenComparing(GalleryImageVersionInner::name, Comparator.reverseOrder()));
    List<RetiredImage> retired = new ArrayList<>();
    for (int i = keep; i < ours.size(); i++) {
      GalleryImageVersionInner v = ours.get(i);
      if (request.contentSha256().equals(v.tags().get(AzureTags.SHA256))) {
        continue; // the version this run published is never retired
      }
      String upload = v.tags().get(AzureTags.UPLOAD);
      List<String> gone = new ArrayList<>();
      if (upload != null) {
        gone.add(upload);
      }
      if (!dryRun) {
        registrar.deleteVersion(d.name(), v.name());
        if (upload != null) {
          deleteUpload(upload);
        }
      }
      context
          .events()
          .emit(
              LogEvent.info(
                  "retire",
                  (dryRun ? "would delete " : "deleted ")
                      + "image version "
                      + d.name()
                      + "/"
                      + v.name()
                      + " and "
                      + gone));
      retired.add(new RetiredImage(home(), v.id(), d.name() + "/" + v.name(), gone, dryRun));
    }
    return retired;
  }

  private void deleteUpload(String handle) {
    if (handle.startsWith("/subscriptions/")) {
      String name = handle.substring(handle.lastIndexOf('/') + 1);
      try {
        Lro.await(
            clients.compute().getDisks().beginDelete(settings.requireResourceGroup(), name),
            "deleting disk " + name,
            settings.waits().operation(),
            settings.waits().pollInterval());
      } catch (UnideployException e) {
        context.events().emit(LogEvent.warn("retire", "kept disk " + name + ": " + e.getMessage()));
      }
    } else {
      new PageBlobUpload(clients, context.events(), context.clock()).delete(handle);
    }
  }

  private static Map<String, String> attributes(GalleryImageVersionInner v) {
    Map<String, String> a = new LinkedHashMap<>();
    a.put("version", v.name());
    if (v.tags() != null && v.tags().get(AzureTags.UPLOAD) != null) {
      a.put("upload", v.tags().get(AzureTags.UPLOAD));
    }
    return a;
  }
}
