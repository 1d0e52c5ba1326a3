package dev.unideploy.provider.gcp.publish;

import com.google.cloud.compute.v1.Image;
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
import dev.unideploy.provider.gcp.api.GcpCall;
import dev.unideploy.provider.gcp.api.GcpClients;
import dev.unideploy.provider.gcp.api.GlobalCalls;
import dev.unideploy.provider.gcp.api.OperationWaiter;
import dev.unideploy.provider.gcp.config.GcpSettings;
import dev.unideploy.provider.gcp.config.ImageLabels;
import dev.unideploy.provider.gcp.upload.JsonObjects;
import dev.unideploy.provider.gcp.upload.ObjectStore;
import dev.unideploy.provider.gcp.upload.TarballUploader;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Publishes to Compute Engine: the disk is streamed to Cloud Storage as the image tarball, imported
 * with images.insert, pointed at by the app's image family (older images deprecated), shared
 * through IAM, and the app's old images are retired. Every step finds what an earlier run did by
 * the image's labels, so re-running is safe and, after a success, changes nothing.
 */
public final class GcpImagePublisher implements ImagePublisher, AutoCloseable {
  private final ProviderContext context;
  private final GcpSettings settings;
  private final GcpClients clients;
  private final String toolVersion;

  public GcpImagePublisher(
      ProviderContext context, GcpSettings settings, GcpClients clients, String toolVersion) {
    this.context = context;
    this.settings = settings;
    this.clients = clients;
    this.toolVersion = toolVersion;
  }

  /** Checks what can be checked before anything is uploaded; errors name the key. */
  public static void validate(PublishSettings publish, GcpSettings settings) {
    if (publish.bootMode() == PublishSettings.BootMode.LEGACY_BIOS
        && settings.image().guestOsFeatures().contains("UEFI_COMPATIBLE")) {
      throw new UnideployException(
          "providers.gcp.image.guestOsFeatures lists UEFI_COMPATIBLE but publish.bootMode is"
              + " legacy-bios: set publish.bootMode: uefi, or remove the feature");
    }
    if (publish.architecture() == PublishSettings.Architecture.ARM64
        && publish.bootMode() == PublishSettings.BootMode.LEGACY_BIOS) {
      throw new UnideployException(
          "arm64 images boot with UEFI on Compute Engine: set publish.bootMode: uefi");
    }
  }

  @Override
  public DiskController verifyController() {
    return settings.image().controller();
  }

  @Override
  public TargetFormat uploadFormat(PublishRequest request) {
    // The tarball is made while it uploads, from the disk itself: no converted file.
    return TargetFormat.RAW;
  }

  /** The guest OS features the image gets: the configured ones, plus UEFI for UEFI boot modes. */
  List<String> features(PublishRequest request) {
    List<String> f = new ArrayList<>(settings.image().guestOsFeatures());
    if (request.settings().bootMode() != PublishSettings.BootMode.LEGACY_BIOS
        && !f.contains("UEFI_COMPATIBLE")) {
      f.add("UEFI_COMPATIBLE");
    }
    return f;
  }

  private String fingerprint(PublishRequest request) {
    return ImageLabels.settingsFingerprint(request, settings.image(), features(request));
  }

  private String project() {
    return clients.project();
  }

  private GcpCall calls() {
    return clients.calls();
  }

  private ImageFinder finder() {
    return new ImageFinder(clients.images(), calls(), project());
  }

  private ImageSteps steps() {
    return new ImageSteps(clients.images(), global(), finder(), context.events(), project());
  }

  private GlobalCalls global() {
    OperationWaiter waiter =
        new OperationWaiter(calls(), context.events(), settings.timeouts().pollInterval());
    return new GlobalCalls(
        calls(), waiter, clients.globalOperations(), project(), settings.timeouts().operation());
  }

  private String object(PublishRequest request) {
    return settings.objectPrefix() + request.contentSha256() + ".tar.gz";
  }

  private String requireBucket() {
    if (settings.bucket() == null) {
      throw new UnideployException(
          "no staging bucket: set providers.gcp.bucket to a Cloud Storage bucket in the project"
              + " (the image tarball is uploaded there, then imported)");
    }
    return settings.bucket();
  }

  @Override
  public Optional<PublishedImage> findExisting(PublishRequest request) {
    validate(request.settings(), settings);
    ImageLabels.imageName(request);
    Optional<Image> found =
        finder().same(request.app(), request.contentSha256(), fingerprint(request));
    if (found.isEmpty()) {
      return Optional.empty();
    }
    Image image = found.get();
    if (!"READY".equals(image.getStatus())) {
      context
          .events()
          .emit(
              LogEvent.info(
                  "register", "image " + image.getName() + " is still importing; waiting"));
      image = importer().awaitReady(image.getName(), settings.timeouts().imageImport());
    }
    // A run that stopped between the import and the clean-up left the staging object behind.
    deleteStagingObject(request);
    return Optional.of(published(image, true));
  }

  @Override
  public UploadedDisk upload(PublishRequest request, UploadSource source) {
    String bucket = requireBucket();
    TarballUploader uploader =
        new TarballUploader(
            clients.uploadRequests(),
            clients.storageRoot(),
            objects(),
            context.journal(),
            context.workDir(),
            context.clock(),
            context.events(),
            settings.retry().maxAttempts());
    return uploader
        .upload(
            source.disk(),
            new TarballUploader.Target(
                bucket, object(request), request.contentSha256(), request.app(), settings.upload()))
        .toUploadedDisk();
  }

  @Override
  public PublishedImage register(PublishRequest request, UploadedDisk disk) {
    validate(request.settings(), settings);
    String name = ImageLabels.imageName(request);
    String bucket = requireBucket();
    String source = "https://storage.googleapis.com/" + bucket + "/" + object(request);
    Map<String, String> labels =
        ImageLabels.forImage(request, fingerprint(request), toolVersion, settings.image().labels());
    String description =
        settings
            .image()
            .description()
            .replace("{app}", request.app())
            .replace("{version}", request.version())
            .replace("{sha256}", request.contentSha256())
            .replace("{sha8}", request.sha8());
    ImageImporter.Spec spec =
        new ImageImporter.Spec(
            name,
            source,
            request.settings().architecture().name(),
            features(request),
            settings.image().familyFor(request.app()),
            description,
            settings.image().storageLocation(),
            labels,
            request.contentSha256());
    Image image = importer().importImage(spec, settings.timeouts().imageImport());
    deleteStagingObject(request);
    return published(image, false);
  }

  private ImageImporter importer() {
    OperationWaiter waiter =
        new OperationWaiter(calls(), context.events(), settings.timeouts().pollInterval());
    String project = project();
    return new ImageImporter(
        clients.images(),
        calls(),
        waiter,
        name -> clients.globalOperations().get(project, name),
        finder(),
        project,
        settings.timeouts().pollInterval());
  }

  private void deleteStagingObject(PublishRequest request) {
    if (settings.keepObject() || settings.bucket() == null) {
      return;
    }
    if (objects().delete(settings.bucket(), object(request))) {
      context
          .events()
          .emit(
              LogEvent.info(
                  "register",
                  "deleted the staging object gs://" + settings.bucket() + "/" + object(request)));
    }
  }

  @Override
  public List<RegionImage> replicate(PublishRequest request, PublishedImage image) {
    context
        .events()
        .emit(
            LogEvent.info(
                "replicate",
                "Compute Engine images are global: no copies to make (image.storageLocation says"
                    + " where its data lives)"));
    return List.of();
  }

  @Override
  public void share(PublishRequest request, List<RegionImage> images) {
    String name = ImageLabels.imageName(request);
    Image image =
        finder()
            .byName(name)
            .orElseThrow(
                () ->
                    new UnideployException(
                        "image " + name + " vanished before it was shared; re-run to publish it"));
    List<String> changes = new ArrayList<>();
    String family = settings.image().familyFor(request.app());
    if (family != null) {
      changes.addAll(
          new FamilyPointer(steps())
              .point(request.app(), family, image, settings.image().deprecateOlder()));
    }
    List<String> added =
        new ImageSharer(clients.images(), calls(), context.events(), project())
            .share(name, settings.share().principals());
    if (!added.isEmpty()) {
      changes.add("roles/compute.imageUser for " + String.join(", ", added));
    }
    if (changes.isEmpty()) {
      context
          .events()
          .emit(
              LogEvent.info(
                  "share", "family, deprecation and sharing already in place: no change"));
    } else {
      context.events().emit(LogEvent.info("share", String.join("; ", changes)));
    }
  }

  @Override
  public List<RetiredImage> retire(PublishRequest request, boolean dryRun) {
    return new ImageRetirer(steps())
        .retire(request.app(), request.settings().keep(), ImageLabels.imageName(request), dryRun);
  }

  private PublishedImage published(Image image, boolean reused) {
    Map<String, String> attributes = new LinkedHashMap<>();
    attributes.put("selfLink", image.getSelfLink());
    attributes.put("numericId", Long.toUnsignedString(image.getId()));
    attributes.put("status", image.getStatus());
    attributes.put("family", image.getFamily());
    attributes.put("diskSizeGb", Long.toString(image.getDiskSizeGb()));
    attributes.put("archiveSizeBytes", Long.toString(image.getArchiveSizeBytes()));
    attributes.put("project", project());
    return new PublishedImage(
        "projects/" + project() + "/global/images/" + image.getName(),
        image.getName(),
        "global",
        reused,
        attributes);
  }

  /** Cloud Storage objects through the storage client (metadata, deletes). */
  ObjectStore objects() {
    return new JsonObjects(clients.uploadRequests(), clients.storageRoot(), calls());
  }

  @Override
  public void close() {
    clients.close();
  }
}
