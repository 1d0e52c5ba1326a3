package dev.unideploy.provider.aws.publish;

import dev.unideploy.image.TargetFormat;
import dev.unideploy.pipeline.UnideployException;
import dev.unideploy.pipeline.events.LogEvent;
import dev.unideploy.pipeline.spi.ImagePublisher;
import dev.unideploy.pipeline.spi.ProviderContext;
import dev.unideploy.pipeline.spi.PublishRequest;
import dev.unideploy.pipeline.spi.PublishedImage;
import dev.unideploy.pipeline.spi.RegionImage;
import dev.unideploy.pipeline.spi.RetiredImage;
import dev.unideploy.pipeline.spi.UploadSource;
import dev.unideploy.pipeline.spi.UploadedDisk;
import dev.unideploy.provider.aws.call.AwsCall;
import dev.unideploy.provider.aws.clients.AwsClients;
import dev.unideploy.provider.aws.importsnap.ImportSnapshotOptions;
import dev.unideploy.provider.aws.importsnap.ImportSnapshotUploader;
import dev.unideploy.provider.aws.settings.AwsSettings;
import dev.unideploy.provider.aws.settings.UploadSettings;
import dev.unideploy.provider.aws.upload.EbsSnapshotUploader;
import dev.unideploy.provider.aws.upload.EbsUploadOptions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/**
 * Publishes to AWS: the disk becomes an EBS snapshot, the snapshot an AMI in the home region, the
 * AMI is copied to the other regions, shared, pointed at by an SSM parameter, and the app's old
 * AMIs are retired. Every step finds what an earlier run did by the image's tags, so re-running is
 * safe and, after a success, changes nothing.
 */
public final class AwsImagePublisher implements ImagePublisher, AutoCloseable {
  private final ProviderContext context;
  private final AwsSettings settings;
  private final AwsClients clients;
  private final String toolVersion;
  private final String home;
  private final AmiFinder finder;
  private final AmiWaiter waiter;
  private final AmiRegistrar registrar;
  private final AmiCopier copier;
  private final AmiSharer sharer;
  private final LatestParameterWriter latest;
  private final AmiRetirer retirer;
  private final Set<String> failedRegions = ConcurrentHashMap.newKeySet();

  public AwsImagePublisher(
      ProviderContext context, AwsSettings settings, AwsClients clients, String toolVersion) {
    this.context = context;
    this.settings = settings;
    this.clients = clients;
    this.toolVersion = toolVersion;
    this.home = clients.homeRegion();
    AwsCall calls = new AwsCall(clients.policy());
    this.finder = new AmiFinder(clients, calls);
    this.waiter = new AmiWaiter(finder, context.events(), settings.waits().pollInterval());
    this.registrar = new AmiRegistrar(clients, calls, finder, waiter, context.events());
    this.copier =
        new AmiCopier(clients, calls, finder, waiter, context.events(), settings.copyParallelism());
    this.sharer = new AmiSharer(clients, calls, context.events(), context.clock());
    this.latest = new LatestParameterWriter(clients, calls, context.events());
    this.retirer =
        new AmiRetirer(finder, new AmiRemover(clients, calls, context.events()), context.events());
  }

  /** The region uploads and registration happen in. */
  public String homeRegion() {
    return home;
  }

  @Override
  public TargetFormat uploadFormat(PublishRequest request) {
    // EBS direct reads the disk's extents and skips zero blocks: no conversion, no temp file.
    // ImportSnapshot wants a file; a stream-optimized VMDK is the smallest format it takes.
    return importing() ? TargetFormat.VMDK_STREAM : TargetFormat.RAW;
  }

  private boolean importing() {
    return UploadSettings.IMPORT_SNAPSHOT.equals(settings.upload().method());
  }

  @Override
  public Optional<PublishedImage> findExisting(PublishRequest request) {
    RegisterImageRequests.validate(request, settings.image());
    clients
        .proxy()
        .ifPresent(
            p ->
                context
                    .events()
                    .emit(
                        LogEvent.info(
                            "find",
                            "AWS calls go through the proxy at "
                                + p.address()
                                + " (from "
                                + p.source()
                                + "), except for hosts it excludes")));
    Optional<ManagedImage> found =
        finder.same(home, request.app(), request.contentSha256(), fingerprint(request));
    if (found.isEmpty()) {
      return Optional.empty();
    }
    ManagedImage image = found.get();
    if (!image.available()) {
      image = waiter.awaitAvailable("register", home, image.id(), settings.waits().available());
    }
    return Optional.of(
        new PublishedImage(image.id(), image.name(), home, true, image.attributes()));
  }

  @Override
  public UploadedDisk upload(PublishRequest request, UploadSource source) {
    UploadSettings u = settings.upload();
    Map<String, String> snapshotTags =
        ImageTags.forSnapshot(
            ImageTags.forImage(
                request, fingerprint(request), toolVersion, context.clock().instant(), null));
    if (importing()) {
      ImportSnapshotOptions options =
          ImportSnapshotOptions.builder(u.bucket())
              .keyPrefix(u.keyPrefix())
              .concurrency(u.concurrency())
              .roleName(u.roleName())
              .encryption(u.encrypted(), u.kmsKeyArn())
              .tags(snapshotTags)
              .importDeadline(u.importTimeout())
              .calls(clients.policy().settings())
              .build();
      return new ImportSnapshotUploader(
              clients.s3(home), clients.ec2(home), options, context.clock())
          .upload(request, source)
          .toUploadedDisk(request.virtualSize());
    }
    EbsUploadOptions options =
        EbsUploadOptions.builder()
            .concurrency(u.concurrency())
            .encryption(u.encrypted(), u.kmsKeyArn())
            .tags(snapshotTags)
            .description(request.imageName() + " (" + request.sourceFileName() + "), by unideploy")
            .completionWait(settings.waits().available(), settings.waits().pollInterval())
            .calls(clients.policy().settings())
            .build();
    EbsSnapshotUploader uploader =
        new EbsSnapshotUploader(
            clients.ebsDirect(home), clients.snapshots(home), options, context.clock());
    return uploader.upload(request, source).toUploadedDisk(request.virtualSize());
  }

  @Override
  public PublishedImage register(PublishRequest request, UploadedDisk disk) {
    RegisterImageRequests.validate(request, settings.image());
    Map<String, String> tags =
        ImageTags.forImage(
            request, fingerprint(request), toolVersion, context.clock().instant(), disk.handle());
    ManagedImage image =
        registrar.register(
            request, settings.image(), home, disk.handle(), tags, settings.waits().available());
    return new PublishedImage(image.id(), image.name(), home, false, image.attributes());
  }

  @Override
  public List<RegionImage> replicate(PublishRequest request, PublishedImage image) {
    if (settings.copyTo().isEmpty()) {
      context.events().emit(LogEvent.info("replicate", "no providers.aws.copyTo regions"));
      return List.of();
    }
    ManagedImage source =
        finder
            .byId(home, image.id())
            .orElseThrow(
                () ->
                    new UnideployException(
                        "AMI "
                            + image.id()
                            + " vanished from "
                            + home
                            + " before it was copied;"
                            + " re-run to publish it again"));
    List<RegionImage> copies = copier.copyAll(source, settings.copyTo(), settings.waits().copy());
    copies.stream().filter(r -> !r.ok()).forEach(r -> failedRegions.add(r.region()));
    return copies;
  }

  @Override
  public void share(PublishRequest request, List<RegionImage> images) {
    String parameter =
        settings.latestParameter() == null
            ? null
            : LatestParameterWriter.name(settings.latestParameter(), request.app());
    Map<String, String> failures = new LinkedHashMap<>();
    List<String> changes = new ArrayList<>();
    for (RegionImage r : images) {
      if (!r.ok()) {
        continue;
      }
      try {
        ManagedImage image =
            finder
                .byId(r.region(), r.imageId())
                .orElseThrow(
                    () -> new UnideployException(r.imageId() + " is not visible in " + r.region()));
        changes.addAll(sharer.share(image, settings.share(), settings.deprecateAfter()));
        if (parameter != null && latest.write(r.region(), parameter, r.imageId())) {
          changes.add(r.region() + " " + parameter);
        }
      } catch (UnideployException e) {
        failures.put(r.region(), e.getMessage());
        context.events().emit(LogEvent.warn("share", r.region() + ": " + e.getMessage()));
      }
    }
    if (!failures.isEmpty()) {
      throw new UnideployException(
          "sharing failed in "
              + String.join(", ", failures.keySet())
              + ": "
              + String.join("; ", failures.values()));
    }
    if (changes.isEmpty()) {
      context
          .events()
          .emit(LogEvent.info("share", "sharing and latest pointers already in place: no change"));
    }
  }

  @Override
  public List<RetiredImage> retire(PublishRequest request, boolean dryRun) {
    String sha = request.contentSha256();
    String fp = fingerprint(request);
    Predicate<ManagedImage> current =
        i ->
            sha.equals(i.tags().get(ImageTags.SHA256))
                && fp.equals(i.tags().get(ImageTags.SETTINGS));
    List<String> regions = new ArrayList<>();
    for (String region : settings.allRegions(home)) {
      if (failedRegions.contains(region)) {
        // Its copy failed above and the run already exits partial naming it; retiring there
        // would most likely fail the same way and turn a partial result into a total failure.
        context
            .events()
            .emit(LogEvent.warn("retire", region + ": skipped, the copy to it failed above"));
      } else {
        regions.add(region);
      }
    }
    return retirer.retire(request.app(), regions, request.settings().keep(), current, dryRun);
  }

  private String fingerprint(PublishRequest request) {
    return ImageTags.settingsFingerprint(request, settings.image());
  }

  @Override
  public void close() {
    clients.close();
  }
}
